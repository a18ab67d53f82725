"""Build the demo sample stream shipped in ``stormwatch/demo/``.

    uv run python scripts/build_demo_stream.py [--shared ../shared/data] [--seed 20260302]

Writes ``stormwatch/demo/sample_stream.jsonl.gz`` (3 days from 2026-03-02T00:00:00Z, two brands),
``stormwatch/demo/sample_stream.labels.json`` (true event onsets/ends) and
``stormwatch/demo/workspace.toml``.  Only held-out texts are used (see ``bench/detection/timeline.py``);
the output is byte-for-byte reproducible for a given seed and data.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.detection.timeline import (  # noqa: E402
    DEFAULT_SHARED_DATA,
    BrandSpec,
    EventSpec,
    TextPool,
    WorldSpec,
    generate,
    labels_of,
    workspace_toml,
    write_stream,
)

START = datetime(2026, 3, 2, tzinfo=UTC)
DEMO_DIR = REPO / "stormwatch" / "demo"


def demo_world(seed: int) -> WorldSpec:
    northwind = BrandSpec(
        name="Northwind Air",
        handle="northwindair",
        languages={"en": 1.0},
        base_per_day=560.0,
        tz_offset_h=-5.0,  # US East Coast audience
        weekend_factor=0.9,
        sentiment_mix=(0.28, 0.47, 0.25),
        airline_share=0.9,
        followers=412_000,
        own_posts_per_day=4.0,
        reply_share=0.10,
        keywords=["northwind", "@northwindair"],
        trigger_terms=["boycott", "hacked", "lawsuit"],
    )
    polana = BrandSpec(
        name="Polana",
        handle="polana_pl",
        languages={"pl": 1.0},
        base_per_day=260.0,
        tz_offset_h=1.0,  # Poland, winter time
        weekend_factor=1.1,
        sentiment_mix=(0.18, 0.47, 0.35),
        followers=38_500,
        own_posts_per_day=3.0,
        reply_share=0.08,
        keywords=["polana", "@polana_pl"],
        trigger_terms=["bojkot", "boycott", "hacked", "pozew"],
    )
    firestorm = EventSpec(
        brand="Northwind Air",
        kind="firestorm",
        onset=START + timedelta(days=1, hours=15, minutes=40),  # Tue 10:40 local
        multiple=8.0,
        ramp_min=20,
        plateau_min=150,
        decay_min=45,
        lang="en",
        cause="customer_service",
        negative_share=0.88,
        dup_share=0.3,
        n_dup_seeds=2,
        n_high_reach=2,
    )
    praise = EventSpec(
        brand="Polana",
        kind="praise",
        onset=START + timedelta(days=2, hours=11, minutes=20),  # Wed 12:20 local
        multiple=7.0,
        ramp_min=15,
        plateau_min=80,
        decay_min=30,
        lang="pl",
        negative_share=0.9,
        dup_share=0.2,
        n_dup_seeds=1,
        n_high_reach=1,
    )
    return WorldSpec(
        seed=seed,
        start=START,
        days=3,
        brands=[northwind, polana],
        events=[firestorm, praise],
        id_prefix="demo",
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED_DATA, help="folder of the shared *.jsonl")
    ap.add_argument("--seed", type=int, default=20260302)
    ap.add_argument("--out-dir", type=Path, default=DEMO_DIR)
    args = ap.parse_args(argv)

    world = demo_world(args.seed)
    mentions = generate(world, TextPool.load(args.shared))
    out: Path = args.out_dir
    write_stream(mentions, out / "sample_stream.jsonl.gz")
    labels = labels_of(world, mentions)
    (out / "sample_stream.labels.json").write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n")
    (out / "workspace.toml").write_text(workspace_toml("Demo Agency", world.brands))
    by_brand: dict[str, int] = {}
    for m in mentions:
        by_brand[m.brand] = by_brand.get(m.brand, 0) + 1
    print(f"wrote {len(mentions)} mentions {by_brand} to {out}")
    for ev in labels["events"]:
        print(
            f"  {ev['kind']:9s} {ev['brand']:14s} {ev['onset']} -> {ev['end']}  x{ev['multiple']} "
            f"({ev['n_mentions']} event mentions)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
