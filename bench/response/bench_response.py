"""Speed of the response service functions the web app calls on every page view.

    uv run python bench/response/bench_response.py [N_MENTIONS] [--database URL]

* ``reply_report`` over a week of one brand's mentions, against the baseline of merely reading
  the same columns of the same rows (the least any report must do), measured in the same run.
* ``tick`` (the response clock) with 50 open crises, all paged and acknowledged by nobody, per crisis
  (no baseline: the figure to compare is the 10 s between ticks in ``stormwatch serve``).

The stream is synthetic (deterministic, seed 7): a third of the posts are questions or complaints
to the brand, 60 % of those get a reply after a log-normal delay (median 40 min). Medians of 7 runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import service
from stormwatch.response.reply_times import reply_report
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config

START = datetime(2026, 3, 2, tzinfo=UTC)
RUNS = 7


def median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fill(store: Store, brand_id: int, count: int) -> None:
    rng = random.Random(7)
    mentions, sentiments = [], []
    for number in range(count):
        at = START + timedelta(seconds=rng.uniform(0, 7 * 86400))
        kind = rng.random()
        text = (
            f"@northwindair where is my bag? case {number}"
            if kind < 0.17
            else f"@northwindair terrible delay again {number}"
            if kind < 0.33
            else f"flying northwind today {number}"
        )
        mentions.append(
            {"brand_id": brand_id, "source": "twitter", "external_id": f"c{number}", "author": f"user{number % 5000}",
             "text": text, "created_at": at}
        )  # fmt: skip
        sentiments.append("negative" if 0.17 <= kind < 0.33 else "neutral")
        if kind < 0.33 and rng.random() < 0.6:
            delay = timedelta(minutes=rng.lognormvariate(3.7, 1.0))
            mentions.append(
                {"brand_id": brand_id, "source": "twitter", "external_id": f"r{number}", "author": "northwindair",
                 "text": f"Sorry about that, DM us ^AK {number}", "created_at": at + delay, "reply_to": f"c{number}"}
            )  # fmt: skip
            sentiments.append("neutral")
    with store.session() as session:
        session.execute(insert(Mention), mentions)
        ids = session.scalars(select(Mention.id).order_by(Mention.id)).all()
        session.execute(
            insert(Enrichment),
            [
                {"mention_id": i, "lang": "en", "sentiment": s, "sentiment_score": 0.0}
                for i, s in zip(ids, sentiments, strict=True)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mentions", nargs="?", type=int, default=50_000)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(args.database or f"sqlite:///{Path(scratch) / 'bench.db'}")
        config = WorkspaceConfig(
            brands=[BrandConfig(name="Northwind Air", own_handles=["northwindair"])],
            people=[
                PersonConfig(
                    name="Anna", roles=["owner"], notify=["json://127.0.0.1:9/x"], reply_signature="^AK"
                )
            ],
        )
        with store.session() as session:
            workspace_id = apply_config(session, config).id
            brand_id = session.scalars(select(Brand.id)).one()
        fill(store, brand_id, args.mentions)
        now = START + timedelta(days=7)

        def bare_read() -> None:
            with store.session() as session:
                session.execute(
                    select(
                        Mention.external_id,
                        Mention.author,
                        Mention.text,
                        Mention.created_at,
                        Mention.reply_to,
                        Enrichment.sentiment,
                    )
                    .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
                    .where(
                        Mention.brand_id == brand_id, Mention.created_at >= START, Mention.created_at <= now
                    )
                ).all()

        rows = args.mentions
        baseline = median_seconds(bare_read)
        report = median_seconds(lambda: reply_report(store, workspace_id, since=START, now=now))
        print(
            f"store: {store.engine.dialect.name}; {rows:,} customer posts plus the brand's replies; median of {RUNS}"
        )
        print(f"  baseline, read the rows:   {baseline * 1000:8.1f} ms")
        print(
            f"  reply_report:              {report * 1000:8.1f} ms  ({report / baseline:.2f}x the baseline)"
        )

        library = PlaybookLibrary.load()
        for minute in range(50):
            service.open_crisis(
                store,
                workspace_id,
                "Northwind Air",
                reason="bench",
                actor="bench",
                now=now + timedelta(minutes=minute),
            )
        # The first tick attaches the playbooks and pages everyone (a sender that accepts, no network);
        # the measured ticks are the steady state: every crisis checked, nothing new to send.
        service.tick(store, library, now=now + timedelta(hours=1), send=lambda url, title, body: True)
        steady = median_seconds(
            lambda: service.tick(store, library, now=now + timedelta(hours=1), send=lambda u, t, b: True)
        )
        print(
            f"  tick, 50 open crises:      {steady * 1000:8.1f} ms  ({steady * 1000 / 50:.2f} ms per crisis)"
        )
        store.engine.dispose()


if __name__ == "__main__":
    main()
