"""Read models for the dashboard and the API: what a page shows, as plain dictionaries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import CLOSED_STATUSES
from stormwatch.ingest.models import Mention
from stormwatch.workspace.models import Brand


def brand_overview(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    negative = func.sum(case((Enrichment.sentiment == "negative", 1), else_=0))
    rows = session.execute(
        select(Brand.id, Brand.name, func.count(Mention.id), negative)
        .outerjoin(Mention, Mention.brand_id == Brand.id)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(Brand.workspace_id == workspace_id)
        .group_by(Brand.id, Brand.name)
        .order_by(Brand.name)
    ).all()
    return [
        {"id": brand_id, "name": name, "mentions": total, "negative": int(negatives or 0)}
        for brand_id, name, total, negatives in rows
    ]


def latest_mentions(
    session: Session, workspace_id: int, *, brand: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = (
        select(Mention, Brand.name, Enrichment)
        .join(Brand, Brand.id == Mention.brand_id)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(Brand.workspace_id == workspace_id)
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
    )
    if brand:
        query = query.where(Brand.name == brand)
    return [_mention_view(mention, name, enrichment) for mention, name, enrichment in session.execute(query)]


def crises(session: Session, workspace_id: int, *, only_open: bool = False) -> list[dict[str, Any]]:
    query = (
        select(Crisis, Brand.name)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id)
        .order_by(Crisis.opened_at.desc())
    )
    if only_open:
        query = query.where(Crisis.status.not_in(CLOSED_STATUSES))
    return [_crisis_view(crisis, name) for crisis, name in session.execute(query)]


def crisis_detail(session: Session, workspace_id: int, key: str) -> dict[str, Any] | None:
    row = session.execute(
        select(Crisis, Brand.name)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id, Crisis.key == key)
    ).first()
    if row is None:
        return None
    crisis, brand = row
    view = _crisis_view(crisis, brand)
    events = session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id)
    )
    view["timeline"] = [
        {
            "at": _iso(event.at),
            "kind": event.kind,
            "actor": event.actor,
            "message": event.message,
            "data": event.data,
        }
        for event in events
    ]
    example_ids = {
        mention_id for event in view["timeline"] for mention_id in event["data"].get("example_ids", [])
    }
    examples = session.execute(
        select(Mention, Brand.name, Enrichment)
        .join(Brand, Brand.id == Mention.brand_id)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(Mention.brand_id == crisis.brand_id, Mention.external_id.in_(example_ids))
        .order_by(Mention.author_followers.desc())
    )
    view["examples"] = [_mention_view(mention, name, enrichment) for mention, name, enrichment in examples]
    return view


def _mention_view(mention: Mention, brand: str, enrichment: Enrichment | None) -> dict[str, Any]:
    return {
        "id": mention.external_id,
        "brand": brand,
        "source": mention.source,
        "author": mention.author,
        "author_followers": mention.author_followers,
        "text": mention.text,
        "url": mention.url,
        "created_at": _iso(mention.created_at),
        "lang": enrichment.lang if enrichment else mention.lang,
        "sentiment": enrichment.sentiment if enrichment else None,
        "sentiment_score": enrichment.sentiment_score if enrichment else None,
        "cause": enrichment.cause if enrichment else None,
        "duplicate_group": enrichment.duplicate_group if enrichment else None,
    }


def _crisis_view(crisis: Crisis, brand: str) -> dict[str, Any]:
    return {
        "id": crisis.key,
        "brand": brand,
        "opened_at": _iso(crisis.opened_at),
        "severity": crisis.severity,
        "cause": crisis.cause,
        "status": crisis.status,
        "reason": crisis.reason,
        "closed_at": _iso(crisis.closed_at) if crisis.closed_at else None,
    }


def _iso(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))
