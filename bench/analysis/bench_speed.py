"""Throughput, load time and peak memory of the analysis tiers on one core.

    uv run python bench/analysis/bench_speed.py [N_TEXTS]

Texts: held-out tweets (TweetEval validation, airline, UMSAB, Polish tweets), repeated to N_TEXTS.
Run it on an otherwise idle machine; BLAS is pinned to one thread by the embedder.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time

from stormwatch.analysis.datasets import sentiment_examples
from stormwatch.analysis.stream import analyze_stream
from stormwatch.analysis.text_analyzer import TextAnalyzer


def rate(count: int, started: float) -> str:
    return f"{count / (time.perf_counter() - started):,.0f} texts/s"


def main() -> None:
    n_texts = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    started = time.perf_counter()
    fast = TextAnalyzer.load(deep=False)
    print(f"load fast tier: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    full = TextAnalyzer.load(deep=True)
    print(f"load both tiers (after fast): {time.perf_counter() - started:.2f} s")
    pool = [
        e
        for e in sentiment_examples()
        if e.held_out and e.dataset.startswith(("tweeteval", "twitter_us", "umsab", "mozetic2016_pl"))
    ]
    examples = (pool * (n_texts // len(pool) + 1))[:n_texts]
    texts, langs = [e.text for e in examples], [e.lang for e in examples]
    fast.judge(texts[:200], langs[:200])  # warm the word caches a little, as a running service would be
    full.judge(texts[:200], langs[:200])

    for name, analyzer, given in (
        ("fast", fast, True),
        ("fast, detect lang", fast, False),
        ("both tiers", full, True),
        ("both tiers, detect lang", full, False),
    ):
        started = time.perf_counter()
        for i in range(0, len(texts), 512):
            analyzer.judge(texts[i : i + 512], langs[i : i + 512] if given else None)
        print(f"{name:>24}: {rate(len(texts), started)}")

    for name, analyzer in (("analyze --fast-only", fast), ("analyze (both tiers)", full)):
        lines = [json.dumps({"id": str(i), "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
        started = time.perf_counter()
        analyze_stream(lines, io.StringIO(), analyzer, on_malformed=lambda problem: None)
        print(f"{name:>24}: {rate(len(texts), started)} end to end (JSON in, lang detected, JSON out)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
