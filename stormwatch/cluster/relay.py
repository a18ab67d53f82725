"""The listen role's relay: stored mentions onto the stored stream, each exactly once.

Listeners and ``POST /api/mentions`` store mentions in PostgreSQL as they always did (idempotently,
keyed by brand, source and id); the relay is their outbox. It publishes each unpublished mention
with ``Nats-Msg-Id: m<mention id>`` (a retry after a crash within the stream's duplicate window is
dropped by JetStream), then marks it published. A single leader relays, so a partition's stream
order is the store's order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.cluster.codec import StoredMention
from stormwatch.cluster.models import PublishedMention
from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.models import Mention
from stormwatch.live import PENDING_FIELDS, PENDING_NAMES
from stormwatch.store.db import Store, insert_ignoring_conflicts
from stormwatch.workspace.models import Brand

# Mention ids come from a sequence, but transactions commit out of id order: a mention may appear
# below ids already published. The relay looks this far below the highest id it published (an
# import commits in batches of 500), and the whole table every FULL_SCAN_SECONDS as a safety net.
LOOK_BACK_IDS = 100_000
FULL_SCAN_SECONDS = 60.0


def unpublished(store: Store, limit: int, above_id: int = 0) -> list[StoredMention]:
    """The oldest stored mentions above ``above_id`` not on the stream yet, in store order."""
    query = (
        select(Mention.id, Brand.workspace_id, Brand.name, *PENDING_FIELDS)
        .join(Brand, Brand.id == Mention.brand_id)
        .outerjoin(PublishedMention, PublishedMention.mention_id == Mention.id)
        .where(PublishedMention.mention_id.is_(None), Mention.id > above_id)
        .order_by(Mention.id)
        .limit(limit)
    )
    with store.session() as session:
        return [_stored(row) for row in session.execute(query)]


def mark_published(store: Store, published: list[tuple[int, int]]) -> None:
    if not published:
        return
    with store.session() as session:
        _insert(session, [{"mention_id": mention_id, "stream_seq": seq} for mention_id, seq in published])


def _insert(session: Session, rows: list[dict[str, int]]) -> None:
    statement = insert_ignoring_conflicts(session, PublishedMention, ["mention_id"])
    session.connection().execute(statement, rows)


def _stored(row: Any) -> StoredMention:
    values = tuple(row)
    fields = dict(zip(PENDING_NAMES, values[3:], strict=True))
    return StoredMention(int(values[1]), int(values[0]), MentionIn(brand=str(values[2]), **fields))
