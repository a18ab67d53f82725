"""Adding analysed mentions to the hourly counts, and rebuilding them from the stored mentions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.stats.models import HourlyCount

# (brand id, created at, source, language or None, sentiment)
Observation = tuple[int, datetime, str, str | None, str]
Key = tuple[int, datetime, str, str, str]
BATCH = 5000


def count_observations(observations: Iterable[Observation]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for brand_id, created_at, source, lang, sentiment in observations:
        hour = created_at.replace(minute=0, second=0, microsecond=0)
        counts[(brand_id, hour, source, lang or "", sentiment)] += 1
    return counts


def add(session: Session, observations: Iterable[Observation]) -> None:
    """Add to the counts (an upsert per hour and kind, so concurrent writers add up correctly)."""
    rows = [
        {"brand_id": b, "hour": h, "source": s, "lang": lang, "sentiment": sent, "count": n}
        for (b, h, s, lang, sent), n in count_observations(observations).items()
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(HourlyCount)
    statement = statement.on_conflict_do_update(
        index_elements=["brand_id", "hour", "source", "lang", "sentiment"],
        set_={"count": HourlyCount.count + statement.excluded.count},
    )
    # Parameters apart from the statement (executemany): one statement compiled for any number of
    # rows, where ``.values(rows)`` built and compiled a clause per value (half a second a batch).
    for start in range(0, len(rows), BATCH):
        session.execute(statement, rows[start : start + BATCH])


def rebuild(session: Session) -> int:
    """Recount everything from the stored, analysed mentions; returns how many were counted."""
    session.execute(delete(HourlyCount))
    rows = session.execute(
        select(
            Mention.brand_id, Mention.created_at, Mention.source, Enrichment.lang, Enrichment.sentiment
        ).join(Enrichment, Enrichment.mention_id == Mention.id)
    ).all()
    add(session, [(b, c, s, lang, sent) for b, c, s, lang, sent in rows])
    return len(rows)
