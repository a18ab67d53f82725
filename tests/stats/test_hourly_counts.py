"""The hourly counts added batch by batch equal a recount from the stored mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.stats.models import HourlyCount
from stormwatch.stats.service import add, rebuild
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand, Workspace

START = datetime(2026, 3, 1, tzinfo=UTC)


def _counts(store: Store) -> dict[tuple[int, datetime, str, str, str], int]:
    with store.session() as session:
        return {
            (row.brand_id, row.hour, row.source, row.lang, row.sentiment): row.count
            for row in session.scalars(select(HourlyCount))
        }


def test_counts_added_in_batches_match_a_rebuild(store: Store) -> None:
    with store.session() as session:
        workspace = Workspace(name="W")
        session.add(workspace)
        session.flush()
        brand = Brand(
            workspace_id=workspace.id,
            name="B",
            languages=[],
            keywords=[],
            own_handles=[],
            trigger_terms=[],
            alert_urls=[],
            reply_sla_minutes=60,
        )
        session.add(brand)
        session.flush()
        observations = []
        for n in range(300):
            moment = START + timedelta(minutes=7 * n)
            mention = Mention(
                brand_id=brand.id,
                source=["x", "news"][n % 2],
                external_id=str(n),
                text="t",
                created_at=moment,
            )
            session.add(mention)
            session.flush()
            lang, sentiment = (None if n % 5 == 0 else "en"), ["negative", "neutral", "positive"][n % 3]
            session.add(
                Enrichment(mention_id=mention.id, lang=lang, sentiment=sentiment, sentiment_score=0.0)
            )
            observations.append((brand.id, moment, mention.source, lang, sentiment))
    for start in range(0, 300, 70):  # batches that split hours, as the pipeline's do
        with store.session() as session:
            add(session, observations[start : start + 70])
    added = _counts(store)
    with store.session() as session:
        assert rebuild(session) == 300
    assert _counts(store) == added
    assert sum(added.values()) == 300
    assert any(key[3] == "" for key in added)  # unknown language counted under ""
