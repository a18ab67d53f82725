"""How fast the brand answers its customers: first-reply times, SLA breaches, the waiting backlog.

A mention *needs an answer* when it is addressed to the brand (names one of its own handles, or
replies to one of its posts), is not the brand's own post, and is a question or a complaint
(negative). The brand *answered* it when one of its own handles posted a reply to it
(``reply_to``). Replies signed with a team member's ``reply_signature`` (e.g. "^AK") count for
that person. The brand's ``reply_sla_minutes`` is the promise: answered later, or still waiting
longer, is a breach. The detectors and the web app call :func:`reply_report` and
:func:`sla_breaches`.
"""

from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.store.db import Store
from stormwatch.workspace.config import PersonConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import team

Need = Literal["question", "complaint"]
DEFAULT_PERIOD = timedelta(days=7)
BACKLOG_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("under 15 min", timedelta(minutes=15)),
    ("15-60 min", timedelta(hours=1)),
    ("1-4 h", timedelta(hours=4)),
    ("4-24 h", timedelta(hours=24)),
    ("over 24 h", timedelta.max),
)
QUESTION = re.compile(
    r"\?|\b(how|when|why|where|what|which|can you|could you|is there|jak|kiedy|dlaczego|gdzie|czy|co z)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Post:
    external_id: str
    author: str | None
    text: str
    created_at: datetime
    reply_to: str | None = None
    sentiment: str | None = None


@dataclass
class ReplyStats:
    needing_answer: int = 0
    answered: int = 0
    waiting: int = 0
    breaches: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    within_sla_share: float | None = None
    backlog: dict[str, int] = field(default_factory=dict)
    oldest_waiting: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PersonStats:
    replies: int = 0
    median_minutes: float | None = None
    late: int = 0


@dataclass
class ReplyReport:
    sla_minutes: dict[str, int] = field(default_factory=dict)
    brands: dict[str, ReplyStats] = field(default_factory=dict)
    people: dict[str, PersonStats] = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def _addressing(handles: tuple[str, ...]) -> re.Pattern[str] | None:
    if not handles:
        return None
    return re.compile("|".join(rf"@{re.escape(handle)}\b" for handle in handles), re.IGNORECASE)


def needs_answer(post: Post, own_handles: list[str], own_post_ids: set[str] | frozenset[str]) -> Need | None:
    handles = tuple(handle.lower() for handle in own_handles)
    if post.author is not None and post.author.lower().lstrip("@") in handles:
        return None
    pattern = _addressing(handles)
    mentioned = pattern is not None and pattern.search(post.text) is not None
    if not (mentioned or (post.reply_to is not None and post.reply_to in own_post_ids)):
        return None
    if QUESTION.search(post.text):
        return "question"
    if post.sentiment == "negative":
        return "complaint"
    return None


def brand_reply_stats(
    posts: list[Post],
    own_handles: list[str],
    sla: timedelta,
    now: datetime,
    people: list[PersonConfig],
    people_stats: dict[str, PersonStats],
    earlier_own_ids: frozenset[str] = frozenset(),
) -> ReplyStats:
    """The figures for one brand's posts (theirs and the customers'); adds each person's replies.

    ``earlier_own_ids`` are the brand's posts from before the period that customers replied to.
    """
    handles = {handle.lower() for handle in own_handles}
    own = [p for p in posts if p.author is not None and p.author.lower().lstrip("@") in handles]
    own_ids = {p.external_id for p in own} | earlier_own_ids
    first_reply: dict[str, Post] = {}
    for own_post in sorted(own, key=lambda p: p.created_at):
        if own_post.reply_to is not None:
            first_reply.setdefault(own_post.reply_to, own_post)
    stats = ReplyStats(backlog={label: 0 for label, _ in BACKLOG_BUCKETS})
    minutes: list[float] = []
    person_minutes: dict[str, list[float]] = {}
    waiting: list[Post] = []
    for post in posts:
        need = needs_answer(post, own_handles, own_ids)
        if need is None or post.created_at > now:
            continue
        stats.needing_answer += 1
        reply = first_reply.get(post.external_id)
        if reply is not None and reply.created_at <= now:
            took = reply.created_at - post.created_at
            stats.answered += 1
            minutes.append(took.total_seconds() / 60)
            late = took > sla
            stats.breaches += late
            for person in _signed_by(reply.text, people):
                person_minutes.setdefault(person, []).append(took.total_seconds() / 60)
                people_stats.setdefault(person, PersonStats()).late += late
            continue
        stats.waiting += 1
        age = now - post.created_at
        stats.breaches += age > sla
        stats.backlog[next(label for label, limit in BACKLOG_BUCKETS if age < limit)] += 1
        waiting.append(post)
    if minutes:
        stats.median_minutes = round(statistics.median(minutes), 1)
        stats.p90_minutes = round(_percentile(minutes, 0.9), 1)
        stats.within_sla_share = round(sum(m <= sla.total_seconds() / 60 for m in minutes) / len(minutes), 3)
    stats.oldest_waiting = [
        {
            "id": p.external_id,
            "author": p.author,
            "text": p.text,
            "waiting_minutes": round((now - p.created_at).total_seconds() / 60),
        }
        for p in sorted(waiting, key=lambda p: p.created_at)[:10]
    ]
    for person, values in person_minutes.items():
        entry = people_stats.setdefault(person, PersonStats())
        entry.replies += len(values)
        entry.median_minutes = round(statistics.median(values), 1)
    return stats


def _signed_by(text: str, people: list[PersonConfig]) -> list[str]:
    return [p.name for p in people if p.reply_signature and p.reply_signature in text]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def reply_report(
    store: Store,
    workspace_id: int,
    *,
    brand: str | None = None,
    since: datetime | None = None,
    now: datetime,
) -> ReplyReport:
    """First-reply times, SLA breaches and backlog per brand and per team member, over ``since``..``now``."""
    since = since or now - DEFAULT_PERIOD
    report = ReplyReport()
    with store.session() as session:
        brands = session.scalars(
            select(Brand).where(Brand.workspace_id == workspace_id).order_by(Brand.name)
        ).all()
        people = team(session, workspace_id)
        for stored in brands:
            if brand is not None and stored.name != brand:
                continue
            # Plain columns, not ORM objects: this runs over a week of mentions on every page view.
            posts = [
                Post(*row)
                for row in session.execute(
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
                        Mention.brand_id == stored.id, Mention.created_at >= since, Mention.created_at <= now
                    )
                    .order_by(Mention.created_at)
                )
            ]
            replied_to = {p.reply_to for p in posts if p.reply_to is not None}
            earlier_own = frozenset(
                session.scalars(
                    select(Mention.external_id).where(
                        Mention.brand_id == stored.id,
                        Mention.external_id.in_(replied_to),
                        func.lower(Mention.author).in_([h.lower() for h in stored.own_handles]),
                    )
                )
            )
            sla = timedelta(minutes=stored.reply_sla_minutes)
            members = [p for p in people if not p.brands or stored.name in p.brands]
            report.sla_minutes[stored.name] = stored.reply_sla_minutes
            report.brands[stored.name] = brand_reply_stats(
                posts, stored.own_handles, sla, now, members, report.people, earlier_own
            )
    return report


def sla_breaches(store: Store, workspace_id: int, brand: str, *, since: datetime, now: datetime) -> int:
    """How many customers waited longer than the brand's SLA in ``since``..``now`` (for the detectors)."""
    report = reply_report(store, workspace_id, brand=brand, since=since, now=now)
    stats = report.brands.get(brand)
    return stats.breaches if stats else 0
