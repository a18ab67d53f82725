"""Every number a report shows, read through the web app's own queries (one source of truth).

The crisis report reads the crisis room's views (:func:`stormwatch.web.queries.crisis_detail`,
:func:`stormwatch.response.service.crisis_detail`), the dashboard's charts over the crisis's window
(:func:`stormwatch.web.charts.brand_figures_between`) and the review's clock
(:func:`stormwatch.response.review.crisis_figures`). The regular review adds the brands' totals
(:func:`stormwatch.web.queries.brand_totals`) for the period and the one before, and the customer
reply times (:func:`stormwatch.response.reply_times.reply_report`). Periods are whole days in the
workspace's time zone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.crisis.models import Crisis
from stormwatch.detection.models import SignalRecord
from stormwatch.i18n.zones import workspace_zone
from stormwatch.ingest.models import Mention
from stormwatch.response import service
from stormwatch.response.models import CrisisReview
from stormwatch.response.reply_times import reply_report
from stormwatch.response.review import crisis_figures
from stormwatch.store.db import Store
from stormwatch.web import charts, queries
from stormwatch.workspace.models import Brand

BEFORE_CRISIS = timedelta(days=2)  # the chart shows the brand's usual days before the storm
AFTER_CRISIS = timedelta(days=1)
TOP = 8
EARLY_TERM_WINDOW = timedelta(hours=6)  # a burst longer before a crisis did not lead into it
USUAL_WINDOW = timedelta(days=7)  # a term's usual rate: the week before that day
BURST_MIN_POSTS = 5  # an hour with fewer posts using a term is no signal, whatever its usual rate
BURST_RATIO = 4.0


class ReportError(ValueError):
    """What was asked cannot be reported (no such crisis or brand, an empty period)."""


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``first``..``last`` (inclusive) in ``zone``, and their UTC bounds."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same number of days just before."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.zone)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


# --- the crisis report --------------------------------------------------------------------------


def crisis_report_figures(
    store: Store, workspace_id: int, key: str, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the crisis report says about crisis ``key`` of the workspace."""
    now = now or datetime.now(UTC)
    with store.session() as session:
        room = queries.crisis_detail(session, workspace_id, key)
        found = queries.find_crisis(session, workspace_id, key)
        if room is None or found is None:
            raise ReportError(f"no crisis {key!r} in this workspace")
        crisis, brand = found
        brand_row = session.get_one(Brand, crisis.brand_id)
        zone = workspace_zone(session, workspace_id, brand_row)
        latest = queries.latest_mention_at(session, workspace_id) or now
        end = crisis.closed_at or max(crisis.last_signal_at, min(latest, now))
        since = _hour(crisis.opened_at - BEFORE_CRISIS)
        until = _hour(min(end + AFTER_CRISIS, max(latest, end))) + timedelta(hours=1)
        chart = charts.brand_figures_between(session, crisis.brand_id, since, until)
        reach = charts.hourly_reach(session, crisis.brand_id, since, until)
        during_until = _hour(end) + timedelta(hours=1)
        clock = crisis_figures(session, crisis, min(now, end) if crisis.closed_at is None else now)
        figures: dict[str, Any] = {
            "kind": "crisis",
            "workspace": queries.workspace(session, workspace_id)["name"],
            "brand": brand,
            "zone": zone,
            "crisis": room,
            "clock": clock,
            "window": {"since": since, "until": until, "end": end},
            "chart": chart,
            "reach": [reach.get(datetime.fromtimestamp(t, UTC), 0) for t in chart["series"]["t"] if t],
            "share": charts.shares(session, crisis.brand_id, _hour(crisis.opened_at), during_until),
            "top_posts": charts.top_posts(session, crisis.brand_id, crisis.opened_at, during_until, TOP),
            # What made the storm: its negative posts, widest reach first (the press's other news left out).
            "negative_posts": charts.top_posts(
                session, crisis.brand_id, crisis.opened_at, during_until, TOP, sentiment="negative"
            ),
            "top_accounts": charts.top_accounts(
                session, crisis.brand_id, crisis.opened_at, during_until, TOP
            ),
            "severity_over_time": [
                {"at": event["at"], "kind": event["kind"], "severity": event["data"]["severity"]}
                for event in room["timeline"]
                if "severity" in event["data"]
                and event["kind"] in ("opened", "escalated", "deescalated", "reopened")
            ],
        }
    opened = [s["severity"] for s in figures["severity_over_time"] if s["kind"] == "opened"]
    figures["opened_severity"] = opened[0] if opened else crisis.severity
    figures["peak_severity"] = max([crisis.severity, *(s["severity"] for s in figures["severity_over_time"])])
    with service.acting_in(workspace_id):
        figures["response"] = service.crisis_detail(store, key, now)
    replies = reply_report(store, workspace_id, brand=brand, since=crisis.opened_at, now=end)
    figures["replies"] = asdict(replies.brands[brand]) | {"sla_minutes": replies.sla_minutes[brand]}
    figures["publications"] = sorted(
        (
            {
                "at": p["at"],
                "target": p["target"],
                "by": p["by"],
                "template": d["template"],
                "text": d["text"],
            }
            for d in figures["response"]["drafts"]
            for p in d["published"]
        ),
        key=lambda p: str(p["at"]),
    )
    return figures


# --- the regular review -------------------------------------------------------------------------


def review_figures(
    store: Store,
    workspace_id: int,
    first: date,
    last: date,
    *,
    brand: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The strategy review of the workspace (or one brand) over local days ``first``..``last``."""
    if last < first:
        raise ReportError(f"the period ends ({last}) before it starts ({first})")
    now = now or datetime.now(UTC)
    with store.session() as session:
        if brand is not None and queries.brand_id(session, workspace_id, brand) is None:
            raise ReportError(f"no brand {brand!r} in this workspace")
        zone = workspace_zone(session, workspace_id)
        period = Period(first, last, zone)
        before = period.previous()
        totals = queries.brand_totals(session, workspace_id, period.since, period.until)
        previous = queries.brand_totals(session, workspace_id, before.since, before.until)
        names = [brand] if brand else list(totals)
        trends = {name: _daily(session, workspace_id, name, period) for name in names}
        crises = _crises_of(session, workspace_id, brand, period, now)
        reviews = _reviews(session, workspace_id, brand, period)
        terms = {
            b.name: list(b.trigger_terms or [])
            for b in session.scalars(select(Brand).where(Brand.workspace_id == workspace_id))
        }
        workspace_name = queries.workspace(session, workspace_id)["name"]
    replies = reply_report(store, workspace_id, brand=brand, since=period.since, now=min(period.until, now))
    return {
        "kind": "review",
        "workspace": workspace_name,
        "brand": brand,
        "zone": zone,
        "period": period,
        "previous": before,
        "totals": {name: totals[name] for name in names},
        "previous_totals": {name: previous.get(name, _zero()) for name in names},
        "share_of_voice": _share_of_voice(totals),
        "trends": trends,
        "crises": crises,
        "crisis_summary": _crisis_summary(crises),
        "replies": {
            name: asdict(stats) | {"sla_minutes": replies.sla_minutes[name]}
            for name, stats in replies.brands.items()
        },
        "reviews": reviews,
        "trigger_terms": terms,
    }


def _zero() -> dict[str, int]:
    return {"mentions": 0, "negative": 0, "positive": 0, "neutral": 0}


def _share_of_voice(totals: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    everything = sum(t["mentions"] for t in totals.values())
    return [
        {
            "brand": name,
            "mentions": t["mentions"],
            "percent": round(100 * t["mentions"] / everything, 1) if everything else 0.0,
        }
        for name, t in sorted(totals.items(), key=lambda item: -item[1]["mentions"])
    ]


def _daily(session: Session, workspace_id: int, name: str, period: Period) -> list[dict[str, Any]]:
    """Mentions and negative share per local day, summed from the dashboard's hourly series."""
    brand_id = queries.brand_id(session, workspace_id, name)
    assert brand_id is not None
    series = charts.brand_figures_between(session, brand_id, period.since, period.until)["series"]
    days: dict[date, list[int]] = {period.first + timedelta(days=n): [0, 0] for n in range(period.days)}
    for t, volume, negative in zip(series["t"], series["volume"], series["negative"], strict=True):
        if t is None or volume is None:
            continue
        day = datetime.fromtimestamp(t, period.zone).date()
        if day in days:
            days[day][0] += int(volume)
            days[day][1] += int(negative or 0)
    return [
        {"day": day, "mentions": v, "negative": n, "negative_share": round(n / v, 3) if v else None}
        for day, (v, n) in days.items()
    ]


def _crises_of(
    session: Session, workspace_id: int, brand: str | None, period: Period, now: datetime
) -> list[dict[str, Any]]:
    """The crises opened in the period (the crises list of the web app), with the review's clock."""
    listed = [
        c
        for c in queries.crises(session, workspace_id)
        if (brand is None or c["brand"] == brand)
        and period.since <= (_moment(c["opened_at"]) or now) < period.until
    ]
    result = []
    for view in sorted(listed, key=lambda c: str(c["opened_at"])):
        found = queries.find_crisis(session, workspace_id, view["id"])
        assert found is not None
        clock = crisis_figures(session, found[0], now)
        terms = _story_terms(session, found[0])
        playbook = service.plan_of(session, found[0])
        titles = {step.id: step.title for step in playbook.all_steps()} if playbook else {}
        result.append(
            view
            | {
                "clock": clock,
                "terms": terms,
                "early_terms": _early_terms(session, found[0], terms),
                "step_titles": titles,
            }
        )
    return result


def _early_terms(session: Session, crisis: Crisis, terms: list[str]) -> list[dict[str, Any]]:
    """The crisis's story terms (not yet trigger terms, nor the brand's own name) that were already
    bursting in the hours before it opened (:func:`_first_burst`), and how much earlier a trigger
    on the term would have fired."""
    brand = session.get_one(Brand, crisis.brand_id)
    ignored = {t.casefold() for t in [*(brand.trigger_terms or []), *(brand.keywords or [])]}
    ignored |= {word.casefold() for word in brand.name.split()}
    ignored |= {handle.casefold() for handle in brand.own_handles or []}
    lead_start = crisis.opened_at - EARLY_TERM_WINDOW
    found = []
    for term in terms:
        if term.casefold().lstrip("@#") in ignored:
            continue
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        times = list(
            session.scalars(
                select(Mention.created_at)
                .where(
                    Mention.brand_id == crisis.brand_id,
                    Mention.created_at >= lead_start - USUAL_WINDOW,
                    Mention.created_at < crisis.opened_at,
                    Mention.text.ilike(f"%{escaped}%", escape="\\"),
                )
                .order_by(Mention.created_at)
            )
        )
        burst = _first_burst(times, lead_start)
        if burst is not None:
            minutes = round((crisis.opened_at - burst).total_seconds() / 60)
            found.append({"term": term, "first_at": burst, "minutes_earlier": minutes})
    return found


def _first_burst(times: list[datetime], since: datetime) -> datetime | None:
    """The first post after ``since`` that starts an hour with at least :data:`BURST_MIN_POSTS` posts
    and :data:`BURST_RATIO` times as many as the same hour held on average on the days before
    (``times``: sorted, reaching :data:`USUAL_WINDOW` before ``since``): a daily peak is no burst."""
    hour, days = timedelta(hours=1), USUAL_WINDOW.days

    def posts(start: datetime) -> int:
        return bisect_left(times, start + hour) - bisect_left(times, start)

    for moment in times[bisect_left(times, since) :]:
        usual = sum(posts(moment - timedelta(days=n)) for n in range(1, days + 1)) / days
        if posts(moment) >= max(BURST_MIN_POSTS, BURST_RATIO * usual):
            return moment
    return None


def _story_terms(session: Session, crisis: Crisis) -> list[str]:
    terms: list[str] = []
    for record in session.scalars(select(SignalRecord).where(SignalRecord.crisis_id == crisis.id)):
        listed = record.evidence.get("terms")
        for term in listed if isinstance(listed, list) else []:
            if str(term) not in terms:
                terms.append(str(term))
    return terms


def _crisis_summary(crises: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values: list[float] = sorted(
            float(c["clock"][key]) for c in crises if c["clock"].get(key) is not None
        )
        if not values:
            return None
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else round((values[middle - 1] + values[middle]) / 2, 1)

    return {
        "count": len(crises),
        "by_cause": dict(Counter(c["cause"] or "unknown" for c in crises).most_common()),
        "by_severity": dict(
            sorted(Counter(int(c["peak_severity"] or c["severity"]) for c in crises).items())
        ),
        "median_minutes_to_detect": median("minutes_to_detect"),
        "median_minutes_to_acknowledge": median("minutes_to_acknowledge"),
        "median_minutes_to_first_response": median("minutes_to_first_response"),
        "median_minutes_to_resolution": median("minutes_to_resolution"),
    }


def _reviews(session: Session, workspace_id: int, brand: str | None, period: Period) -> list[dict[str, Any]]:
    """Reviews written in the period: playbook changes made, and lessons still open (their change
    was not applied, or they carried none)."""
    query = (
        select(CrisisReview, Crisis.key, Brand.name)
        .join(Crisis, Crisis.id == CrisisReview.crisis_id)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Brand.workspace_id == workspace_id)
        .where(CrisisReview.created_at >= period.since, CrisisReview.created_at < period.until)
        .order_by(CrisisReview.created_at)
    )
    if brand is not None:
        query = query.where(Brand.name == brand)
    return [
        {
            "crisis": key,
            "brand": name,
            "at": review.created_at,
            "lessons": [str(lesson.get("text")) for lesson in review.lessons if lesson.get("text")],
            "changes": [str(lesson.get("change")) for lesson in review.lessons if lesson.get("change")],
            "change_status": review.change_status,
            "change_path": review.change_path,
        }
        for review, key, name in session.execute(query).all()
    ]
