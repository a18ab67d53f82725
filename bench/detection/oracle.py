"""How early the firestorms of the tune seeds could be caught at all, by brand size.

    uv run python -m bench.detection.oracle [--seed 1101 ...] [--cache /tmp/stormwatch-tune]

For each firestorm at >= 4x it prints, per band of brand volume, Stormwatch's median delay, how many
of the storm's own negative posts (as the fast tier reads them) had arrived when it fired, and the
median time from onset to the storm's k-th negative post: the delay of an *oracle* that knows which
posts belong to the storm and fires at its k-th. No detector that must tell a storm from the brand's
ordinary noise can beat the oracle at the same k. Tune seeds only, like ``tune.py``.
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.detection.run import SEED_SETS
from bench.detection.score import BIG_MULTIPLE
from bench.detection.timeline import DEFAULT_SHARED_DATA, TextPool, generate, parse_iso, plan_world
from bench.detection.tune import DEFAULT_CACHE, cached_world, replay, score_updates

BANDS = ((0, 100), (100, 300), (300, 1_000), (1_000, 10**9))  # brand mentions per day
KS = (4, 5, 6, 7, 8)


def storm_rows(seed: int, cache: Path, pool: TextPool) -> list[dict[str, Any]]:
    """One row per firestorm >= 4x: brand volume, Stormwatch's delay (as scored), the k-th negatives' times."""
    enriched, labels, workspace = cached_world(seed, cache)
    # The stream does not say which posts an event made; the generator (deterministic) does.
    origin = {m.id: m.origin for m in generate(plan_world(seed), pool)}
    negatives_of: dict[str, list[datetime]] = defaultdict(list)  # event origin -> its negative posts' times
    for m in enriched:
        if m.is_negative:
            negatives_of[origin.get(m.mention.external_id, "")].append(m.mention.created_at)
    index_of = {(e["brand"], e["onset"]): i for i, e in enumerate(labels["events"])}
    rows = []
    for storm in score_updates(labels, replay(enriched, workspace)).firestorms:
        if storm.multiple < BIG_MULTIPLE:
            continue
        onset = parse_iso(storm.label["onset"])
        times = negatives_of[f"event:{index_of[storm.label['brand'], storm.label['onset']]}"]
        negatives = sorted((t - onset) / timedelta(minutes=1) for t in times)
        delay = storm.delay_min
        rows.append(
            {
                "per_day": storm.label["brand_base_per_day"],
                "delay": delay,
                "negatives_at_fire": None if delay is None else sum(t <= delay for t in negatives),
                "kth": {k: negatives[k - 1] for k in KS if len(negatives) >= k},
            }
        )
    return rows


def _median(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "–"


def report(rows: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        "| brand volume | firestorms | Stormwatch median | storm negatives when it fired | "
        + " | ".join(f"oracle at {k}th" for k in KS)
        + " |",
        "|---" * (4 + len(KS)) + "|",
    ]
    for label, band in [
        (f"{lo}–{hi if hi < 10**9 else '…'}/day", [r for r in rows if lo <= r["per_day"] < hi])
        for lo, hi in BANDS
    ] + [("all", list(rows))]:
        delays = [r["delay"] for r in band if r["delay"] is not None]
        at_fire = [r["negatives_at_fire"] for r in band if r["negatives_at_fire"] is not None]
        kth = [_median([r["kth"][k] for r in band if k in r["kth"]]) for k in KS]
        lines.append(
            f"| {label} | {len(band)} | {_median(delays)} | {_median(at_fire)} | " + " | ".join(kth) + " |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, action="append", help="seed(s); default: the tune set")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = ap.parse_args(argv)
    pool = TextPool.load(DEFAULT_SHARED_DATA)
    rows = [row for seed in args.seed or SEED_SETS["tune"] for row in storm_rows(seed, args.cache, pool)]
    print("\n".join(report(rows)))


if __name__ == "__main__":
    main()
