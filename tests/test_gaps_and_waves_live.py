"""Coverage gaps and a crisis's waves through the live service and into the web app's figures:
the volume chart shows a hole as a hole, the crisis room lists the crisis's stories and waves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.crisis.models import Crisis
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store
from stormwatch.web import charts, queries
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

from .stream_fixtures import START, firestorm, ordinary_days, record

HOLE_START = START + timedelta(hours=96)
RESUME = HOLE_START + timedelta(hours=22)


def _after_the_hole(hours: int) -> list[dict[str, Any]]:
    """Ordinary hours again once the collection resumes (new ids)."""
    shift = RESUME - START
    return [
        record(
            500_000 + i,
            datetime.fromisoformat(str(r["created_at"]).replace("Z", "+00:00")) + shift,
            r["text"],
        )
        for i, r in enumerate(ordinary_days(hours=hours, per_hour=20, seed=7))
    ]


def test_a_hole_is_shown_as_a_hole_and_the_crisis_room_lists_its_waves(store: Store) -> None:
    config = WorkspaceConfig(brands=[BrandConfig(name="Northwind Air")])
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    ingestor = MentionIngestor(store, workspace_id)
    live = LivePipeline(store, TextAnalyzer.load(deep=False), workspace_id)
    live.warm_up()
    records = ordinary_days(hours=96, per_hour=20) + _after_the_hole(12)
    records += firestorm(RESUME + timedelta(hours=2), count=120, minutes=40)
    records += firestorm(RESUME + timedelta(hours=9), count=120, minutes=40, first_number=300_000)
    records.sort(key=lambda r: str(r["created_at"]))
    ingestor.ingest([RawRecord(i, "", r) for i, r in enumerate(records, 1)], origin="test")
    # One call for all (run_until_idle stops at the first batch that changed no crisis).
    live.process_pending(limit=len(records))

    with store.session() as session:
        brand_id = session.scalar(select(Crisis.brand_id))
        assert brand_id is not None
        figures = charts.brand_figures(session, brand_id, days=7)
        [gap] = figures["gaps"]
        assert gap["label"].startswith("no data from twitter")
        assert gap["end"] - gap["start"] >= 21 * 3600
        holes = [
            t for t, v in zip(figures["series"]["t"], figures["series"]["volume"], strict=True) if v is None
        ]
        assert len(holes) >= 20  # the hole's hours are no data, not zero posts
        key = session.scalar(select(Crisis.key))
        assert key is not None
        room = queries.crisis_detail(session, workspace_id, key)
    assert room is not None
    assert len(room["waves"]) == 2  # two flare-ups seven hours apart: one crisis, two waves
    assert all(wave["severity"] >= 1 for wave in room["waves"])
