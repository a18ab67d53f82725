"""Page and API render times with a month of data for a brand with 2,000 mentions a day.

    uv run python -m bench.web.bench_pages [--database URL] [--days 30] [--per-day 2000] [--runs 15]

Builds a fresh database (SQLite file in a temporary folder unless --database names a PostgreSQL
one) with one workspace, a busy brand (every mention analysed, a crisis in the last week) and a
quiet second brand, starts the real server, logs in like a browser and times each page through
HTTP. Prints the median and 90th percentile of each, and the ratio to the log-in page (a template
with no data) measured in the same run. The issue's budget is 300 ms per page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.auth.service import add_user
from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.service import attach_playbook
from stormwatch.stats.service import rebuild
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.models import Brand, Workspace

PASSWORD = "benchmark password"
END = datetime(2026, 3, 31, tzinfo=UTC)
SOURCES = ["twitter", "facebook", "instagram", "news", "forum", "reviews"]
BUDGET_MS = 300.0


def build(store: Store, days: int, per_day: int) -> tuple[int, str]:
    rng = random.Random(7)
    with store.session() as session:
        workspace = Workspace(name="Bench Agency")
        session.add(workspace)
        session.flush()
        brands = [
            Brand(
                workspace_id=workspace.id,
                name=name,
                languages=["en"],
                keywords=[],
                own_handles=[],
                trigger_terms=[],
                alert_urls=[],
                reply_sla_minutes=60,
            )
            for name in ("Busy Brand", "Quiet Brand")
        ]
        session.add_all(brands)
        session.flush()
        add_user(session, "bench@example.com", PASSWORD, workspace_id=workspace.id, role="manager")
        busy = brands[0]
        start = END - timedelta(days=days)
        for brand, rate in ((busy, per_day), (brands[1], per_day // 20)):
            _mentions(session, brand.id, start, days * rate, days, rng)
        update = CrisisUpdate(
            "opened",
            "busy-brand-bench",
            "Busy Brand",
            END - timedelta(days=3),
            3,
            "customer_service",
            "Negative mentions rose tenfold.",
            None,
        )
        rebuild(session)  # written directly here, so counted once at the end as the migration would
        crisis = record_update(session, update, busy)
        attach_playbook(session, crisis, PlaybookLibrary.load(), END - timedelta(days=3))
        return busy.id, crisis.key


def _mentions(
    session: object, brand_id: int, start: datetime, count: int, days: int, rng: random.Random
) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    span = days * 86400
    # Mentions arrive in time order, so the rows are stored in it too (as the live service does).
    moments = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    for offset in range(0, count, 5000):
        rows = [
            {
                "brand_id": brand_id,
                "source": SOURCES[n % len(SOURCES)],
                "external_id": f"b{brand_id}-{n}",
                "author": f"user{rng.randrange(50_000)}",
                "author_followers": int(rng.paretovariate(1.2) * 100),
                "text": f"post number {n} about the brand, some words to search in",
                "lang": "en",
                "created_at": moments[n],
                "likes": 0,
                "shares": 0,
                "comments": 0,
                "ingested_at": END,
            }
            for n in range(offset, min(offset + 5000, count))
        ]
        session.execute(insert(Mention), rows)
    ids = session.scalars(select(Mention.id).where(Mention.brand_id == brand_id)).all()
    sentiments = ["negative", "neutral", "positive"]
    for offset in range(0, len(ids), 5000):
        session.execute(
            insert(Enrichment),
            [
                {
                    "mention_id": mention_id,
                    "lang": "en" if mention_id % 9 else "pl",
                    "sentiment": sentiments[mention_id % 3],
                    "sentiment_score": 0.0,
                    "cause": "customer_service" if mention_id % 3 == 0 else None,
                    "duplicate_group": None,
                    "analyzed_at": END,
                }
                for mention_id in ids[offset : offset + 5000]
            ],
        )


def timed(client: httpx.Client, path: str, runs: int) -> list[float]:
    client.get(path).raise_for_status()  # warm caches (templates, query plans) once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(args.database or f"sqlite:///{Path(scratch) / 'bench.db'}")
        started = time.perf_counter()
        brand_id, key = build(store, args.days, args.per_day)
        print(
            f"built {args.days} days × {args.per_day:,} mentions/day ({store.engine.dialect.name}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        server = BackgroundServer(create_app(store), "127.0.0.1", 8799)
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                login = client.get("/login")
                csrf = login.text.split('name="csrf_token" value="')[1].split('"')[0]
                client.post(
                    "/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": csrf}
                )
                pages = {
                    "log-in page (baseline, no data)": "/login",
                    "dashboard, 7 days": f"/?brand={brand_id}&days=7",
                    "dashboard, 30 days": f"/?brand={brand_id}&days=30",
                    "crisis room": f"/crises/{key}",
                    "API figures, 30 days": f"/api/brands/{brand_id}/figures?days=30",
                    "API mention search (negative, 'words')": "/api/mentions?sentiment=negative&q=words&limit=50",
                }
                results = {name: timed(client, path, args.runs) for name, path in pages.items()}
        finally:
            server.stop()
            store.engine.dispose()
    baseline = statistics.median(results["log-in page (baseline, no data)"])
    print(f"\n{'page':42} {'median ms':>10} {'p90 ms':>8} {'× log-in':>9}  budget {BUDGET_MS:.0f} ms")
    for name, times in results.items():
        median = statistics.median(times)
        p90 = sorted(times)[int(0.9 * (len(times) - 1))]
        verdict = "ok" if median < BUDGET_MS else "OVER"
        print(f"{name:42} {median:10.1f} {p90:8.1f} {median / baseline:9.1f}  {verdict}")


if __name__ == "__main__":
    main()
