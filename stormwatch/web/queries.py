"""Read models for the dashboard and the API: what a page shows, as plain dictionaries.

Every function takes the caller's ``workspace_id`` and joins through the brand to it, so no query
here can return another workspace's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, true
from sqlalchemy.orm import Session

from stormwatch.alerting.models import Alert
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import CLOSED_STATUSES
from stormwatch.crisis.waves import SignalSeen, stories_of, waves_of
from stormwatch.detection.audience import own_accounts
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention, plausibly_dated
from stormwatch.stats.models import HourlyCount
from stormwatch.workspace.models import Brand, Workspace

STORY_POSTS = 50


@dataclass(frozen=True, slots=True)
class MentionFilter:
    brand: str | None = None
    q: str | None = None  # words that must all appear in the text (case-insensitive)
    sentiment: str | None = None
    cause: str | None = None
    lang: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def workspace(session: Session, workspace_id: int) -> dict[str, Any]:
    found = session.get(Workspace, workspace_id)
    assert found is not None
    return {"id": found.id, "name": found.name}


def brand_overview(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """Each brand with its stored mentions and, of the analysed ones, the negative ones."""
    totals = dict(
        session.execute(
            select(Mention.brand_id, func.count(Mention.id))
            .join(Brand, Brand.id == Mention.brand_id)
            .where(Brand.workspace_id == workspace_id)
            .group_by(Mention.brand_id)
        ).all()
    )
    negatives = dict(
        session.execute(
            select(HourlyCount.brand_id, func.sum(HourlyCount.count))
            .join(Brand, Brand.id == HourlyCount.brand_id)
            .where(Brand.workspace_id == workspace_id, HourlyCount.sentiment == "negative")
            .group_by(HourlyCount.brand_id)
        ).all()
    )
    brands = session.execute(
        select(Brand.id, Brand.name).where(Brand.workspace_id == workspace_id).order_by(Brand.name)
    ).all()
    return [
        {
            "id": brand_id,
            "name": name,
            "mentions": totals.get(brand_id, 0),
            "negative": int(negatives.get(brand_id) or 0),
        }
        for brand_id, name in brands
    ]


def brand_totals(
    session: Session, workspace_id: int, since: datetime | None = None, until: datetime | None = None
) -> dict[str, dict[str, int]]:
    """Per brand name: analysed mentions and their negative, positive and neutral counts over the
    period (hourly counts, so whole hours), for share of voice and sentiment trends."""
    sentiment_sum = {
        label: func.sum(case((HourlyCount.sentiment == label, HourlyCount.count), else_=0))
        for label in ("negative", "positive", "neutral")
    }
    query = (
        select(Brand.name, func.sum(HourlyCount.count), *sentiment_sum.values())
        .join(Brand, Brand.id == HourlyCount.brand_id)
        .where(Brand.workspace_id == workspace_id)
        .group_by(Brand.name)
    )
    if since is not None:
        query = query.where(HourlyCount.hour >= since)
    if until is not None:
        query = query.where(HourlyCount.hour < until)
    totals = {
        name: {"mentions": int(total or 0)}
        | {label: int(value or 0) for label, value in zip(sentiment_sum, values, strict=True)}
        for name, total, *values in session.execute(query).all()
    }
    for name in session.scalars(select(Brand.name).where(Brand.workspace_id == workspace_id)):
        totals.setdefault(name, {"mentions": 0, "negative": 0, "positive": 0, "neutral": 0})
    return dict(sorted(totals.items()))


def latest_mention_at(session: Session, workspace_id: int) -> datetime | None:
    """Event time of the workspace's newest mention: "now" for figures over replayed data."""
    return session.scalar(
        select(func.max(Mention.created_at))
        .join(Brand)
        .where(Brand.workspace_id == workspace_id, plausibly_dated())
    )


def brand_id(session: Session, workspace_id: int, brand: int | str) -> int | None:
    """The id of the workspace's brand given by id or name; None if the workspace has no such brand."""
    condition = Brand.id == brand if isinstance(brand, int) else Brand.name == brand
    return session.scalar(select(Brand.id).where(Brand.workspace_id == workspace_id, condition))


def search_mentions(
    session: Session, workspace_id: int, where: MentionFilter, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """One page of the matching mentions, newest first, and how many match in all."""
    base = (
        select(Mention.id).join(Brand, Brand.id == Mention.brand_id).where(Brand.workspace_id == workspace_id)
    )
    if where.sentiment or where.cause or where.lang:
        base = base.join(Enrichment, Enrichment.mention_id == Mention.id)
    matching = _filtered(base, where)
    # One pass for the page and the total (a window count), not one scan for each.
    page = session.execute(
        matching.add_columns(func.count().over())
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if page:
        total = int(page[0][1])
    else:  # past the last page: the window has no row to report the total on
        total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    return total, mentions_by_id(session, [row[0] for row in page])


def latest_mentions(
    session: Session, workspace_id: int, *, limit: int = 50, brand_id: int | None = None
) -> list[dict[str, Any]]:
    """The live feed: the mentions that arrived last (by arrival, which is what "live" means), of
    one brand when ``brand_id`` is given (the dashboard's chosen brand)."""
    query = (
        select(Mention.id).join(Brand, Brand.id == Mention.brand_id).where(Brand.workspace_id == workspace_id)
    )
    if brand_id is not None:
        query = query.where(Mention.brand_id == brand_id)
    ids = session.scalars(query.order_by(Mention.id.desc()).limit(limit))
    return mentions_by_id(session, list(ids))


def mentions_by_id(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Mention, Brand.name, Enrichment)
        .join(Brand, Brand.id == Mention.brand_id)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(Mention.id.in_(ids))
    ).all()
    views = {mention.id: mention_view(mention, name, enrichment) for mention, name, enrichment in rows}
    return [views[mention_id] for mention_id in ids]


def _filtered(query: Select[int], where: MentionFilter) -> Select[int]:
    if where.brand:
        query = query.where(Brand.name == where.brand)
    for word in (where.q or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # ILIKE on PostgreSQL (several times faster than lower() LIKE), lower() LIKE on SQLite.
        query = query.where(Mention.text.ilike(f"%{escaped}%", escape="\\"))
    if where.sentiment:
        query = query.where(Enrichment.sentiment == where.sentiment)
    if where.cause:
        query = query.where(Enrichment.cause == where.cause)
    if where.lang:
        query = query.where(
            or_(Enrichment.lang == where.lang, (Enrichment.lang.is_(None)) & (Mention.lang == where.lang))
        )
    if where.source:
        query = query.where(Mention.source == where.source)
    if where.since:
        query = query.where(Mention.created_at >= where.since)
    if where.until:
        query = query.where(Mention.created_at < where.until)
    return query


def crises(session: Session, workspace_id: int, *, only_open: bool = False) -> list[dict[str, Any]]:
    query = (
        select(Crisis, Brand.name)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id)
        .order_by(Crisis.opened_at.desc())
    )
    if only_open:
        query = query.where(Crisis.status.not_in(CLOSED_STATUSES))
    rows = session.execute(query).all()
    evidence = _latest_evidence(session, [crisis.id for crisis, _ in rows])
    peaks = _peak_severities(session, [crisis.id for crisis, _ in rows])
    return [
        crisis_view(crisis, name)
        | {"evidence": evidence.get(crisis.id), "peak_severity": peaks.get(crisis.id)}
        for crisis, name in rows
    ]


def _latest_evidence(session: Session, crisis_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each crisis's reason's evidence: the facts of the timeline entry that last set its reason
    (opened, escalated, reopened), as the crisis room reads them. Not the latest signal: a signal
    that joins without raising the level leaves the reason as it was, and a reason told from other
    facts than the English one (or at another level than it names) contradicts it."""
    latest: dict[int, dict[str, Any]] = {}
    if not crisis_ids:
        return latest
    events = session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id.in_(crisis_ids)).order_by(CrisisEvent.id)
    )
    for event in events:
        if (event.data or {}).get("signal"):
            latest[event.crisis_id] = dict(event.data)
    return latest


def _peak_severities(session: Session, crisis_ids: list[int]) -> dict[int, int]:
    """The highest severity each crisis reached: its reason tells of the peak, even once it eased."""
    peaks: dict[int, int] = {}
    if not crisis_ids:
        return peaks
    events = session.execute(
        select(CrisisEvent.crisis_id, CrisisEvent.data).where(
            CrisisEvent.crisis_id.in_(crisis_ids), CrisisEvent.kind.in_(("opened", "escalated"))
        )
    )
    for crisis_id, data in events:
        severity = (data or {}).get("severity")
        if isinstance(severity, int):
            peaks[crisis_id] = max(peaks.get(crisis_id, 0), severity)
    return peaks


def find_crisis(session: Session, workspace_id: int, key: str) -> tuple[Crisis, str] | None:
    row = session.execute(
        select(Crisis, Brand.name)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id, Crisis.key == key)
    ).first()
    return None if row is None else (row[0], row[1])


def crisis_detail(session: Session, workspace_id: int, key: str) -> dict[str, Any] | None:
    """One crisis: its evidence, timeline, the posts to look at first and the story's posts."""
    found = find_crisis(session, workspace_id, key)
    if found is None:
        return None
    crisis, brand = found
    view = crisis_view(crisis, brand)
    events = session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id)
    )
    view["timeline"] = [
        {
            "at": iso(event.at),
            "kind": event.kind,
            "actor": event.actor,
            "message": event.message,
            "data": event.data,
        }
        for event in events
    ]
    evidence = [event["data"] for event in view["timeline"] if event["data"].get("signal")]
    view["evidence"] = evidence[-1] if evidence else {}
    example_ids = {
        str(mention_id) for event in view["timeline"] for mention_id in event["data"].get("example_ids", [])
    }
    # An account take-over is the one matter where the brand's own posts are the evidence.
    taken_over = any(event["data"].get("signal") == "account_takeover" for event in view["timeline"])
    examples = session.execute(
        select(Mention, Enrichment)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .where(
            Mention.brand_id == crisis.brand_id,
            Mention.external_id.in_(example_ids),
            true() if taken_over else not_by_the_brand(session.get_one(Brand, crisis.brand_id)),
        )
        .order_by(Mention.author_followers.desc().nulls_last())
    )
    view["examples"] = [mention_view(mention, brand, enrichment) for mention, enrichment in examples]
    view["story"] = _story_posts(session, crisis, brand)
    view["stories"], view["waves"] = _stories_and_waves(session, crisis, view["timeline"])
    return view


def not_by_the_brand(brand: Brand) -> ColumnElement[bool]:
    """Posts not written by one of the brand's own accounts: the brand's own posts are not what
    the public says, so they are no post to read first nor one of the story's."""
    own = sorted(own_accounts(brand.own_handles or []))
    if not own:
        return true()
    author = func.lower(func.ltrim(Mention.author, "@"))
    return or_(Mention.author.is_(None), author.not_in(own))


def _stories_and_waves(
    session: Session, crisis: Crisis, timeline: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """How the matter unfolded: its stories and its waves (:mod:`stormwatch.crisis.waves`)."""
    records = session.scalars(select(SignalRecord).where(SignalRecord.crisis_id == crisis.id))
    seen = [
        SignalSeen(
            at=record.at,
            kind=record.kind,
            story=_text_or_none(record.evidence.get("story")),
            terms=tuple(str(term) for term in _as_list(record.evidence.get("terms"))),
            people=int(_number(record.evidence.get("people"), record.observed)),
        )
        for record in records
    ]
    severities = [
        (datetime.fromisoformat(event["at"]), int(event["data"]["severity"]))
        for event in timeline
        if event["kind"] in ("opened", "escalated", "reopened") and "severity" in event["data"]
    ]
    stories = [
        {
            "terms": story.terms,
            "first_at": iso(story.first_at),
            "last_at": iso(story.last_at),
            "signals": story.signals,
            "people": story.people,
        }
        for story in stories_of(seen)
    ]
    waves = [
        {
            "number": wave.number,
            "start": iso(wave.start),
            "end": iso(wave.end),
            "signals": wave.signals,
            "people": wave.people,
            "severity": wave.severity,
            "stories": wave.stories,
        }
        for wave in waves_of(seen, severities)
    ]
    return stories, waves


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _story_posts(session: Session, crisis: Crisis, brand: str) -> list[dict[str, Any]]:
    """The negative posts since the crisis opened (of its cause, when known), widest reach first."""
    query = (
        select(Mention, Enrichment)
        .join(Enrichment, Enrichment.mention_id == Mention.id)
        .where(
            Mention.brand_id == crisis.brand_id,
            Mention.created_at >= crisis.opened_at,
            Enrichment.sentiment == "negative",
            not_by_the_brand(session.get_one(Brand, crisis.brand_id)),
        )
    )
    if crisis.closed_at is not None:
        query = query.where(Mention.created_at <= crisis.closed_at)
    if crisis.cause:
        query = query.where(Enrichment.cause == crisis.cause)
    rows = session.execute(
        query.order_by(Mention.author_followers.desc().nulls_last(), Mention.id).limit(STORY_POSTS)
    )
    return [mention_view(mention, brand, enrichment) for mention, enrichment in rows]


def alerts(session: Session, workspace_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Alert, Crisis.key, Brand.name)
        .join(Crisis, Crisis.id == Alert.crisis_id)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id)
        .order_by(Alert.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": alert.id,
            "crisis_id": key,
            "brand": brand,
            "severity": alert.severity,
            "channel": alert.channel_label,
            "title": alert.title,
            "status": alert.status,
            "attempts": alert.attempts,
            "error": alert.error,
            "created_at": iso(alert.created_at),
            "sent_at": iso(alert.sent_at) if alert.sent_at else None,
        }
        for alert, key, brand in rows
    ]


def mention_view(mention: Mention, brand: str, enrichment: Enrichment | None) -> dict[str, Any]:
    return {
        "id": mention.external_id,
        "brand": brand,
        "source": mention.source,
        "author": mention.author,
        "author_followers": mention.author_followers,
        "text": mention.text,
        "url": mention.url,
        "created_at": iso(mention.created_at),
        "lang": enrichment.lang if enrichment else mention.lang,
        "sentiment": enrichment.sentiment if enrichment else None,
        "sentiment_score": enrichment.sentiment_score if enrichment else None,
        "cause": enrichment.cause if enrichment else None,
        "duplicate_group": enrichment.duplicate_group if enrichment else None,
    }


def crisis_view(crisis: Crisis, brand: str) -> dict[str, Any]:
    return {
        "id": crisis.key,
        "brand": brand,
        "opened_at": iso(crisis.opened_at),
        "severity": crisis.severity,
        "cause": crisis.cause,
        "status": crisis.status,
        "reason": crisis.reason,
        "closed_at": iso(crisis.closed_at) if crisis.closed_at else None,
    }


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
