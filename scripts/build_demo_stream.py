"""Build the demo sample stream shipped in ``stormwatch/demo/``.

    uv run --group dev python scripts/build_demo_stream.py [--seed 20260303]

Writes ``stormwatch/demo/sample_stream.jsonl.gz`` (a week of history, then the 3 days from
2026-03-02T00:00:00Z that the demo replays; two brands), ``stormwatch/demo/sample_stream.labels.json``
(``scored_start``: where the replay starts; the true event onsets and ends) and
``stormwatch/demo/workspace.toml``. The rhythm, authors, sources, replies and events come from the
benchmark's generator (``bench/detection/timeline.py``); every text comes from ``demo_posts.py``,
written for the demo (no third-party data is shipped). The output is byte-for-byte reproducible
for a given seed.
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
    BrandSpec,
    EventSpec,
    Mention,
    TextPool,
    TextRecord,
    WorldSpec,
    brandify,
    generate,
    labels_of,
    workspace_toml,
    write_stream,
)

sys.path.insert(0, str(REPO / "scripts"))
from demo_posts import LANGUAGE, POSTS, texts  # noqa: E402

STREAM_KINDS = {"pos": ("pos",), "neu": ("neu",), "neg": ("neg",), "neg_cs": ("neg_cs",)}

START = datetime(2026, 3, 2, tzinfo=UTC)  # the first replayed day (a Monday)
# A week of ordinary history before it: what a monitored brand has (the team imports its past
# mentions first, docs/getting-started.md), so the detectors know each brand's rhythm on day one.
HISTORY_DAYS = 7
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
        start=START - timedelta(days=HISTORY_DAYS),
        days=HISTORY_DAYS + 3,
        warmup_days=HISTORY_DAYS,
        brands=[northwind, polana],
        events=[firestorm, praise],
        id_prefix="demo",
    )


def demo_pool(seed: int) -> TextPool:
    """The written posts by language and kind (``neg_cs`` only Northwind's firestorm draws)."""
    records = []
    for brand, lang in LANGUAGE.items():
        for kind, kinds in STREAM_KINDS.items():
            if brand == "Polana" and kind == "neg_cs":
                continue
            for i, text in enumerate(texts(brand, kind, seed)):
                records.append(TextRecord(f"demo:{brand}:{kind}:{i}", text, lang, kinds, "general"))
    return TextPool(records)


def give_voices(world: WorldSpec, pool: TextPool, mentions: list[Mention], seed: int) -> None:
    """Put each post in its author's voice: the brands' own posts and replies, news headlines, and the
    praise event's posts about Polana's returnable cups; and undo the generator's '@handle ' prefix."""
    handles = {brand.name: brand.handle for brand in world.brands}
    pools = {
        (brand, kind): texts(brand, kind, seed)
        for brand in LANGUAGE
        for kind in ("own", "reply", "news_calm", "news_storm", "praise")
        if kind in POSTS[brand]
    }
    used = dict.fromkeys(pools, 0)
    praise_for_ref: dict[str, str] = {}
    text_of_ref = {record.ref: record.text for record in pool.records}

    def take(brand: str, kind: str) -> str:
        pool = pools[(brand, kind)]
        used[(brand, kind)] += 1
        return pool[(used[(brand, kind)] - 1) % len(pool)]

    for m in mentions:
        in_event = m.origin.startswith("event:")
        original = text_of_ref.get(m.ref, "")
        if m.origin == "own":
            m.text = take(m.brand, "own")
        elif m.origin == "reply":
            m.text = f"{m.text.split(' ', 1)[0]} {take(m.brand, 'reply')}"
        elif m.source == "news" and m.author != handles[m.brand]:
            m.text = take(m.brand, "news_storm" if in_event else "news_calm")
        elif in_event and m.brand == "Polana" and m.kind == "pos":
            if m.ref not in praise_for_ref:
                praise_for_ref[m.ref] = take(m.brand, "praise")
            m.text = m.text.replace(brandify(original, handles[m.brand], m.lang), praise_for_ref[m.ref])
        else:
            m.text = m.text.replace(brandify(original, handles[m.brand], m.lang), original)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20260303)
    ap.add_argument("--out-dir", type=Path, default=DEMO_DIR)
    args = ap.parse_args(argv)

    world = demo_world(args.seed)
    pool = demo_pool(args.seed)
    mentions = generate(world, pool)
    give_voices(world, pool, mentions, args.seed)
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
