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
import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.detection.timeline import (  # noqa: E402
    SOURCE_HOSTS,
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
        reply_share=0.0,  # the brands' replies are added by answer_customers()
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
        reply_share=0.0,
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


# How a well-run social team answers: most customers who address the brand with a question or a
# complaint, within minutes; during the firestorm far fewer and far later (that is the story).
ANSWER_SHARE = {"Northwind Air": 0.95, "Polana": 0.9}
ANSWER_SHARE_IN_STORM = 0.6  # the team works through the backlog, hours late
MEDIAN_REPLY_MINUTES = {"Northwind Air": 18.0, "Polana": 35.0}
MEDIAN_REPLY_MINUTES_IN_STORM = 240.0


def answer_customers(world: WorldSpec, mentions: list[Mention], seed: int) -> list[Mention]:
    """The brands' replies (``reply_to``) to the posts that address them: help, or thanks for praise."""
    rng = random.Random(f"{seed}:replies")
    brands = {brand.name: brand for brand in world.brands}
    storms = [(e.brand, e.onset, e.end) for e in world.events if e.kind == "firestorm"]
    replies: list[Mention] = []
    for m in mentions:
        brand = brands[m.brand]
        addressed = f"@{brand.handle}" in m.text.lower() and m.author != brand.handle
        if not addressed or m.source == "news":
            continue
        in_storm = any(b == m.brand and a <= m.created_at <= e for b, a, e in storms)
        if rng.random() >= (ANSWER_SHARE_IN_STORM if in_storm else ANSWER_SHARE[m.brand]):
            continue
        median = MEDIAN_REPLY_MINUTES_IN_STORM if in_storm else MEDIAN_REPLY_MINUTES[m.brand]
        at = m.created_at + timedelta(minutes=math.exp(rng.gauss(math.log(median), 0.7)))
        if at >= world.end:
            continue
        rid = f"{world.id_prefix}{world.seed}-rp{len(replies):07d}"  # "re" is the generator's reviews
        host = SOURCE_HOSTS.get(m.source, "web.example.com")
        replies.append(
            Mention(
                id=rid,
                source=m.source,
                created_at=at,
                text=f"@{m.author}",  # give_voices adds what the brand says
                author=brand.handle,
                author_followers=brand.followers,
                brand=m.brand,
                lang=brand.main_language,
                url=f"https://{host}/{brand.handle}/{rid}",
                reply_to=m.id,
                origin="reply",
                kind="thanks" if m.kind == "pos" and "?" not in m.text else "reply",
            )
        )
    return sorted([*mentions, *replies], key=lambda m: (m.created_at, m.id))


def give_voices(world: WorldSpec, pool: TextPool, mentions: list[Mention], seed: int) -> None:
    """Put each post in its author's voice: the brands' own posts and replies, news headlines, and the
    praise event's posts about Polana's returnable cups; and undo the generator's '@handle ' prefix."""
    handles = {brand.name: brand.handle for brand in world.brands}
    pools = {
        (brand, kind): texts(brand, kind, seed)
        for brand in LANGUAGE
        for kind in ("own", "reply", "thanks", "news_calm", "news_storm", "praise")
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
            m.text = f"{m.text} {take(m.brand, m.kind)}"  # "@customer …"
        elif m.source == "news" and m.author != handles[m.brand]:
            m.text = take(m.brand, "news_storm" if in_event else "news_calm")
        elif in_event and m.brand == "Polana" and m.kind == "pos":
            if m.ref not in praise_for_ref:
                praise_for_ref[m.ref] = take(m.brand, "praise")
            m.text = m.text.replace(brandify(original, handles[m.brand], m.lang), praise_for_ref[m.ref])
        else:
            m.text = m.text.replace(brandify(original, handles[m.brand], m.lang), original)


REPLY_SLA_MINUTES = {"Northwind Air": 60, "Polana": 120}  # the promise each brand's social team makes


def with_reply_slas(toml: str) -> str:
    for brand, minutes in REPLY_SLA_MINUTES.items():
        block = f'name = "{brand}"\n'
        head, _, rest = toml.partition(block)
        alerts, _, tail = rest.partition("alert_urls = []\n")
        toml = f"{head}{block}{alerts}alert_urls = []\nreply_sla_minutes = {minutes}\n{tail}"
    return toml


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=20260303)
    ap.add_argument("--out-dir", type=Path, default=DEMO_DIR)
    args = ap.parse_args(argv)

    world = demo_world(args.seed)
    pool = demo_pool(args.seed)
    mentions = answer_customers(world, generate(world, pool), args.seed)
    give_voices(world, pool, mentions, args.seed)
    out: Path = args.out_dir
    write_stream(mentions, out / "sample_stream.jsonl.gz")
    labels = labels_of(world, mentions)
    (out / "sample_stream.labels.json").write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n")
    (out / "workspace.toml").write_text(with_reply_slas(workspace_toml("Demo Agency", world.brands)))
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
