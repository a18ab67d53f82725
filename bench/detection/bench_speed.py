"""Replay speed of ``stormwatch detect`` (fast analysis tier) against baselines measured in the same run.

    uv run python -m bench.detection.bench_speed [--seed 1101] [--brands 10] [--weeks 1] [--repeats 3]

One benchmark world (``bench/detection/timeline.py``) is written as JSON Lines; then, each
``--repeats`` times, on one core (``taskset``-free: the process is single-threaded, BLAS pinned):

* **read only** — reading and parsing the JSON Lines (the floor any replay pays);
* **mean + 3 sd** — the hourly baseline alert of ``bench/detection/baseline.py``;
* **stormwatch detect** — the whole product in process: fast-tier analysis, near-duplicates, every
  detector, the crisis manager, JSON lines out (start-up excluded, reported apart);
* **detection only** — detectors and crisis manager on the already analysed stream.

It prints the median mentions/s of each and the ratios; the target is ≥ 5,000 mentions/s for
``stormwatch detect``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bench.detection import baseline
from bench.detection.timeline import (
    DEFAULT_SHARED_DATA,
    TextPool,
    generate,
    plan_world,
    workspace_toml,
    write_stream,
)
from stormwatch.analysis.service import MentionAnalyzer
from stormwatch.crisis.manager import CrisisManager
from stormwatch.detection.cli import _mentions
from stormwatch.detection.service import DetectionEngine
from stormwatch.pipeline import BATCH_SIZE, Pipeline
from stormwatch.workspace.config import load_config


def timed(run: Callable[[], object], count: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1101)
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from stormwatch.analysis.text_analyzer import TextAnalyzer

    world = plan_world(args.seed, n_brands=args.brands, weeks=args.weeks)
    mentions = generate(world, TextPool.load(DEFAULT_SHARED_DATA))
    with tempfile.TemporaryDirectory() as tmp:
        stream, ws = Path(tmp) / "stream.jsonl", Path(tmp) / "workspace.toml"
        write_stream(mentions, stream)
        ws.write_text(workspace_toml("speed", world.brands))
        workspace = load_config(ws)
        count = len(mentions)
        print(f"seed {args.seed}: {count:,} mentions, {len(world.brands)} brands, {args.repeats} repeats")

        def read_only() -> object:
            with stream.open(encoding="utf-8") as source:
                return sum(1 for _ in _mentions(source))

        def mean_3sd() -> object:
            return list(baseline.detect(baseline.read_stream(stream)))

        started = time.perf_counter()
        judge = TextAnalyzer.load(deep=False)
        load_s = time.perf_counter() - started

        def stormwatch_detect() -> object:
            pipeline = Pipeline.for_config(judge, workspace)
            sink = io.StringIO()
            with stream.open(encoding="utf-8") as source:
                for update in pipeline.replay(_mentions(source)):
                    if update.kind in ("opened", "escalated"):
                        sink.write(json.dumps(update.as_json(), ensure_ascii=False) + "\n")
            return sink

        with stream.open(encoding="utf-8") as source:
            parsed = list(_mentions(source))
        analyzer = MentionAnalyzer(judge)
        iterator = iter(parsed)
        enriched = []
        while batch := list(islice(iterator, BATCH_SIZE)):
            enriched.extend(analyzer.enrich(batch))

        def detection_only() -> object:
            engine, crises = DetectionEngine(workspace.brand), CrisisManager()
            for mention in enriched:
                crises.on_time(mention.brand, mention.mention.created_at)
                for signal in engine.observe(mention):
                    crises.on_signal(signal)
            return crises

        results = {
            "read only (JSON Lines parse)": timed(read_only, count, args.repeats),
            "hourly mean + 3 sd baseline": timed(mean_3sd, count, args.repeats),
            "stormwatch detect (fast tier)": timed(stormwatch_detect, count, args.repeats),
            "detection + crises only": timed(detection_only, count, args.repeats),
        }
    detect = results["stormwatch detect (fast tier)"]
    print(f"model load (once per process): {load_s:.2f} s")
    print(f"{'':32} {'mentions/s (median)':>20} {'detect / this':>14}")
    for name, value in results.items():
        print(f"{name:32} {value:>20,.0f} {detect / value:>13.2f}×")
    print(f"target: stormwatch detect >= 5,000 mentions/s -> {'met' if detect >= 5000 else 'NOT met'}")


if __name__ == "__main__":
    main()
