"""Server-sent events: new analysed mentions and crisis changes of the caller's workspace.

The stream reads the store rather than an in-process bus, so it sees what any process wrote
(a separate `serve`, an import, the demo's replay) and resumes exactly after a reconnect: each
event's id is the pair of cursors ``<mention id>.<crisis event id>``, which the browser sends
back as ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.ingest.models import Mention
from stormwatch.store.db import Store
from stormwatch.web.queries import iso, mention_view
from stormwatch.workspace.models import Brand

POLL_SECONDS = 0.5
KEEPALIVE_POLLS = 30  # a comment line now and then keeps proxies from closing a quiet stream
MAX_MENTIONS_PER_POLL = 200


@dataclass(slots=True)
class Cursor:
    mention_id: int = 0
    event_id: int = 0

    def __str__(self) -> str:
        return f"{self.mention_id}.{self.event_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        try:
            mention, event = (text or "").split(".")
            return cls(int(mention), int(event))
        except ValueError:
            return None


def current_cursor(session: Session, workspace_id: int) -> Cursor:
    mention = session.scalar(
        select(func.max(Mention.id)).join(Brand).where(Brand.workspace_id == workspace_id)
    )
    event = session.scalar(
        select(func.max(CrisisEvent.id))
        .join(Crisis, Crisis.id == CrisisEvent.crisis_id)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id)
    )
    return Cursor(mention or 0, event or 0)


def poll(session: Session, workspace_id: int, cursor: Cursor) -> list[tuple[str, dict[str, Any], str]]:
    """Events after ``cursor`` (advancing it): analysed mentions in id order, then crisis changes."""
    events: list[tuple[str, dict[str, Any], str]] = []
    in_workspace = Brand.workspace_id == workspace_id
    # Mentions are sent once analysed; stop before the first one still waiting so none is skipped.
    first_pending = session.scalar(
        select(func.min(Mention.id))
        .join(Brand)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(in_workspace, Mention.id > cursor.mention_id, Enrichment.mention_id.is_(None))
    )
    query = (
        select(Mention, Brand.name, Enrichment)
        .join(Brand, Brand.id == Mention.brand_id)
        .join(Enrichment, Enrichment.mention_id == Mention.id)
        .where(in_workspace, Mention.id > cursor.mention_id)
        .order_by(Mention.id)
        .limit(MAX_MENTIONS_PER_POLL)
    )
    if first_pending is not None:
        query = query.where(Mention.id < first_pending)
    for mention, brand, enrichment in session.execute(query):
        cursor.mention_id = mention.id
        events.append(("mention", mention_view(mention, brand, enrichment), str(cursor)))
    changes = session.execute(
        select(CrisisEvent, Crisis, Brand.name)
        .join(Crisis, Crisis.id == CrisisEvent.crisis_id)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(in_workspace, CrisisEvent.id > cursor.event_id)
        .order_by(CrisisEvent.id)
    )
    for event, crisis, brand in changes:
        events.append(
            (
                "crisis",
                {
                    "crisis_id": crisis.key,
                    "brand": brand,
                    "event": event.kind,
                    "at": iso(event.at),
                    "actor": event.actor,
                    "message": event.message,
                    "severity": crisis.severity,
                    "status": crisis.status,
                    "cause": crisis.cause,
                },
                str(Cursor(cursor.mention_id, event.id)),
            )
        )
        cursor.event_id = event.id
    return events


async def event_stream(request: Request, store: Store, workspace_id: int) -> AsyncIterator[str]:
    def read(cursor: Cursor | None) -> tuple[Cursor, list[tuple[str, dict[str, Any], str]]]:
        with store.session() as session:
            if cursor is None:
                return current_cursor(session, workspace_id), []
            return cursor, poll(session, workspace_id, cursor)

    cursor, _ = await run_in_threadpool(read, Cursor.parse(request.headers.get("last-event-id")))
    yield f"retry: 2000\nid: {cursor}\n\n"
    quiet_polls = 0
    while not await request.is_disconnected() and not getattr(request.app.state, "stopping", False):
        cursor, events = await run_in_threadpool(read, cursor)
        for kind, data, event_id in events:
            yield f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        quiet_polls = 0 if events else quiet_polls + 1
        if quiet_polls >= KEEPALIVE_POLLS:
            quiet_polls = 0
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
