"""The dashboard's figures for one brand: hourly volume and sentiment with the baseline band,
crises marked, share of voice by source and language, top posts by reach.

Volumes, sentiment and shares are sums over the hourly counts (:mod:`stormwatch.stats`) rather
than over the raw mentions, which is what keeps a month of 2,000 mentions a day under the page
budget; only the top posts read mentions, through the (brand, time) index.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis
from stormwatch.detection.baseline import HourlyBaseline
from stormwatch.detection.gaps import COVERAGE_GAP
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention, plausibly_dated
from stormwatch.stats.models import HourlyCount
from stormwatch.web.queries import iso, mentions_by_id
from stormwatch.workspace.models import Brand

BAND_SIGMAS = 3.0  # the band is expected ± 3 × sqrt(expected): a Poisson-sized normal range
TOP_POSTS = 10


def brand_figures(session: Session, brand_id: int, days: int) -> dict[str, Any]:
    """Everything the dashboard draws for one brand over the ``days`` before its newest mention."""
    latest = session.scalar(
        select(func.max(Mention.created_at)).where(Mention.brand_id == brand_id, plausibly_dated())
    )
    if latest is None:
        return {
            "series": _empty_series(),
            "share": {"source": [], "lang": []},
            "top": [],
            "crises": [],
            "gaps": [],
        }
    until = latest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return brand_figures_between(session, brand_id, until - timedelta(days=days), until)


def brand_figures_between(
    session: Session, brand_id: int, since: datetime, until: datetime
) -> dict[str, Any]:
    """The dashboard's figures for one brand over ``since``..``until`` (whole hours): the one source
    of the dashboard's charts and of the reports' (:mod:`stormwatch.report.figures`)."""
    # A week before the window warms the baseline up, as the live detectors are warmed up.
    hourly = _hourly_counts(session, brand_id, since - timedelta(days=7), until)
    gaps = _gaps(session, brand_id, since - timedelta(days=7), until)
    return {
        "since": iso(since),
        "until": iso(until),
        "series": _series(hourly, since, until, _hours_inside(gaps)),
        "share": shares(session, brand_id, since, until),
        "top": top_posts(session, brand_id, since, until),
        "crises": _crises(session, brand_id, since, until),
        "gaps": [
            {"start": start.timestamp(), "end": end.timestamp(), "label": label}
            for start, end, label in gaps
            if end > since
        ],
    }


def _gaps(
    session: Session, brand_id: int, since: datetime, until: datetime
) -> list[tuple[datetime, datetime, str]]:
    """Holes in the collection (stored by the live pipeline, :mod:`stormwatch.detection.gaps`):
    (start, end, "no data from twitter 00:00–22:00 on 10 Apr (UTC)")."""
    rows = session.scalars(
        select(SignalRecord).where(
            SignalRecord.brand_id == brand_id,
            SignalRecord.kind == COVERAGE_GAP,
            SignalRecord.at > since,  # a gap's record is at its end
        )
    )
    gaps = []
    for record in rows:
        start = record.at - timedelta(minutes=record.window_minutes)
        if start < until:
            gaps.append((start, record.at, record.summary))
    return sorted(gaps)


def _hours_inside(gaps: list[tuple[datetime, datetime, str]]) -> set[datetime]:
    """Whole clock hours inside a gap: no data, not zero posts."""
    hours = set()
    for start, end, _ in gaps:
        hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while hour + timedelta(hours=1) <= end:
            hours.add(hour)
            hour += timedelta(hours=1)
    return hours


def _hourly_counts(
    session: Session, brand_id: int, since: datetime, until: datetime
) -> dict[datetime, tuple[int, int, int]]:
    negative = func.sum(case((HourlyCount.sentiment == "negative", HourlyCount.count), else_=0))
    positive = func.sum(case((HourlyCount.sentiment == "positive", HourlyCount.count), else_=0))
    rows = session.execute(
        select(HourlyCount.hour, func.sum(HourlyCount.count), negative, positive)
        .where(HourlyCount.brand_id == brand_id, HourlyCount.hour >= since, HourlyCount.hour < until)
        .group_by(HourlyCount.hour)
    ).all()
    return {hour: (int(total), int(neg or 0), int(pos or 0)) for hour, total, neg, pos in rows}


def _series(
    hourly: dict[datetime, tuple[int, int, int]],
    since: datetime,
    until: datetime,
    missing: set[datetime] | None = None,
) -> dict[str, list[float | None]]:
    """Columns for the chart: one row per hour from ``since``; the baseline learns as it goes.
    Hours in ``missing`` (inside a coverage gap) are holes in the line, and teach the band nothing."""
    missing = missing or set()
    after_gap = False
    series = _empty_series()
    baseline = HourlyBaseline()
    # Every hour of the window gets a row, data or not, so the time axis always spans the window.
    hour = min(min(hourly, default=since), since)
    while hour < until:
        total, negative, positive = hourly.get(hour, (0, 0, 0))
        if hour in missing:
            if hour >= since:
                for key, value in _hole(hour).items():
                    series[key].append(value)
            hour += timedelta(hours=1)
            after_gap = True
            continue
        if after_gap:
            baseline.skip_to(hour)  # the band skips the hole as the detectors do
            after_gap = False
        baseline.advance(hour)  # closes the previous hour, so the expectation never sees this one
        if hour >= since:
            expected = baseline.expected_per_hour(hour)
            spread = BAND_SIGMAS * math.sqrt(expected)
            series["t"].append(hour.timestamp())
            series["volume"].append(total)
            series["negative"].append(negative)
            series["expected"].append(round(expected, 2))
            series["band_low"].append(round(max(expected - spread, 0.0), 2))
            series["band_high"].append(round(expected + spread, 2))
            series["negative_share"].append(round(100 * negative / total, 1) if total else None)
            series["positive_share"].append(round(100 * positive / total, 1) if total else None)
        baseline.add(hour, total)
        hour += timedelta(hours=1)
    return series


def _hole(hour: datetime) -> dict[str, float | None]:
    return {key: None for key in _empty_series()} | {"t": hour.timestamp()}


def _empty_series() -> dict[str, list[float | None]]:
    keys = (
        "t",
        "volume",
        "negative",
        "expected",
        "band_low",
        "band_high",
        "negative_share",
        "positive_share",
    )
    return {key: [] for key in keys}


def shares(
    session: Session, brand_id: int, since: datetime, until: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Share of voice by source and by language over the period."""
    return {
        "source": _share(session, brand_id, since, until, HourlyCount.source),
        "lang": _share(session, brand_id, since, until, HourlyCount.lang),
    }


def _share(
    session: Session, brand_id: int, since: datetime, until: datetime, column: Any
) -> list[dict[str, Any]]:
    total_of_key = func.sum(HourlyCount.count)
    rows = session.execute(
        select(column, total_of_key)
        .where(HourlyCount.brand_id == brand_id, HourlyCount.hour >= since, HourlyCount.hour < until)
        .group_by(column)
        .order_by(total_of_key.desc())
    ).all()
    total = sum(count for _, count in rows) or 1
    return [
        {"key": key or "unknown", "count": int(count), "percent": round(100 * count / total, 1)}
        for key, count in rows
    ]


def _own_handles(session: Session, brand_id: int) -> list[str]:
    return list(session.scalar(select(Brand.own_handles).where(Brand.id == brand_id)) or [])


def top_posts(
    session: Session,
    brand_id: int,
    since: datetime,
    until: datetime,
    limit: int = TOP_POSTS,
    sentiment: str | None = None,
) -> list[dict[str, Any]]:
    """The widest-reaching posts of the period (of one ``sentiment`` if given), the brand's own left out."""
    own_handles = _own_handles(session, brand_id)
    # The ids first (the brand/time index and a top-N sort), then only those rows with their analysis.
    # The brand's own posts are left out: its big account would top the list with its own replies.
    query = (
        select(Mention.id)
        .where(Mention.brand_id == brand_id, Mention.created_at >= since, Mention.created_at < until)
        .where(or_(Mention.author.is_(None), func.lower(Mention.author).not_in(own_handles)))
    )
    if sentiment is not None:
        query = query.join(Enrichment, Enrichment.mention_id == Mention.id).where(
            Enrichment.sentiment == sentiment
        )
    ids = session.scalars(
        query.order_by(Mention.author_followers.desc().nulls_last(), Mention.id).limit(limit)
    )
    return mentions_by_id(session, list(ids))


def _crises(session: Session, brand_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Crisis)
        .where(Crisis.brand_id == brand_id, Crisis.opened_at < until)
        .where((Crisis.closed_at.is_(None)) | (Crisis.closed_at >= since))
        .order_by(Crisis.opened_at)
    )
    return [
        {
            "id": crisis.key,
            "severity": crisis.severity,
            "start": crisis.opened_at.timestamp(),
            "end": (crisis.closed_at or crisis.last_signal_at).timestamp(),
        }
        for crisis in rows
    ]


def top_accounts(
    session: Session, brand_id: int, since: datetime, until: datetime, limit: int = TOP_POSTS
) -> list[dict[str, Any]]:
    """The accounts that reached most people in the period: their posts and largest follower count
    (the brand's own accounts left out, as in :func:`top_posts`)."""
    own_handles = _own_handles(session, brand_id)
    followers = func.max(Mention.author_followers)
    rows = session.execute(
        select(Mention.author, func.count(Mention.id), followers)
        .where(Mention.brand_id == brand_id, Mention.created_at >= since, Mention.created_at < until)
        .where(Mention.author.is_not(None), func.lower(Mention.author).not_in(own_handles))
        .group_by(Mention.author)
        .order_by(followers.desc().nulls_last(), func.count(Mention.id).desc(), Mention.author)
        .limit(limit)
    ).all()
    return [{"author": author, "posts": int(posts), "followers": reach} for author, posts, reach in rows]


def hourly_reach(session: Session, brand_id: int, since: datetime, until: datetime) -> dict[datetime, int]:
    """Known reach (followers of the authors) per clock hour; posts with no known count add nothing."""
    reach: dict[datetime, int] = {}
    rows = session.execute(
        select(Mention.created_at, Mention.author_followers).where(
            Mention.brand_id == brand_id,
            Mention.created_at >= since,
            Mention.created_at < until,
            Mention.author_followers.is_not(None),
        )
    )
    for created_at, followers in rows:
        hour = created_at.replace(minute=0, second=0, microsecond=0)
        reach[hour] = reach.get(hour, 0) + int(followers or 0)
    return reach
