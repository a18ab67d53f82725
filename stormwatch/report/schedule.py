"""The reviews a workspace sends on a schedule (``[[report.schedule]]``), each once per period.

Which period is due is pure calendar arithmetic (:func:`due_period`): the last whole week, month or
quarter whose send day (its first working day after, or first day after) has come, in the
workspace's time zone. Only that latest period is sent: a run missed on the send day is caught up
on the next run, and a new schedule does not send a backlog of old reviews.

:func:`send_due` is safe to run often (the live service does, and ``stormwatch report send-due``
from cron or a systemd timer): a ``report_deliveries`` row per (workspace, schedule, period) is
claimed atomically before sending, so a restart or a second process never sends it twice; a failed
send is retried on later runs, up to :data:`MAX_ATTEMPTS`. A process killed between the send and
its record leaves the row claimed; it is retried once the claim is :data:`STALE_CLAIM` old, which
may repeat that one send (at least once, never lost).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import apprise
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from stormwatch.i18n.zones import workspace_zone
from stormwatch.report.documents import as_format, review_html
from stormwatch.report.models import ReportDelivery
from stormwatch.store.db import Store
from stormwatch.workspace.config import ReportSchedule, ReportSettings
from stormwatch.workspace.models import Person

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=30)

# send(url, title, body, attachment) -> delivered
Sender = Callable[[str, str, str, Path], bool]
# render(schedule, first day, last day) -> the PDF (or other document) to attach
Renderer = Callable[[ReportSchedule, date, date], bytes]


def period_before(every: str, day: date) -> tuple[date, date]:
    """The whole week (Monday to Sunday), month or quarter that ended before the one ``day`` is in."""
    if every == "week":
        monday = day - timedelta(days=day.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    months = 3 if every == "quarter" else 1
    start_month = (day.month - 1) // months * months + 1  # first month of the period ``day`` is in
    current = date(day.year, start_month, 1)
    last = current - timedelta(days=1)
    first_month = (last.month - 1) // months * months + 1
    return date(last.year, first_month, 1), last


def send_day(schedule: ReportSchedule, period_end: date) -> date:
    """When the review of a period ending ``period_end`` goes out."""
    day = period_end + timedelta(days=1)
    if schedule.on == "first_working_day":
        while day.weekday() >= 5:  # Saturday, Sunday
            day += timedelta(days=1)
    return day


def due_period(schedule: ReportSchedule, today: date) -> tuple[date, date] | None:
    """The latest period whose review should have gone out by ``today``, if its day has come."""
    first, last = period_before(schedule.every, today)
    if send_day(schedule, last) <= today:
        return first, last
    # Early in a period, before its send day: the one before is the latest due (and long sent).
    first, last = period_before(schedule.every, first)
    return (first, last) if send_day(schedule, last) <= today else None


@dataclass(frozen=True, slots=True)
class Outcome:
    schedule: str
    period: tuple[date, date]
    status: str  # sent | failed (will retry) | gave_up | already_sent | busy
    error: str | None = None


def send_with_apprise(url: str, title: str, body: str, attachment: Path) -> bool:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise ValueError(f"not a URL apprise understands: {url.split('://')[0]}://…")
    return bool(notifier.notify(title=title, body=body, attach=str(attachment)))


def pdf_renderer(store: Store, workspace_id: int, branding: ReportSettings) -> Renderer:
    def render(schedule: ReportSchedule, first: date, last: date) -> bytes:
        html = review_html(
            store,
            workspace_id,
            first,
            last,
            brand=schedule.brand,
            locale=schedule.language,
            branding=branding,
        )
        return as_format(html, "pdf")

    return render


def send_due(
    store: Store,
    workspace_id: int,
    settings: ReportSettings,
    *,
    now: datetime | None = None,
    send: Sender = send_with_apprise,
    render: Renderer | None = None,
) -> list[Outcome]:
    """Send every scheduled review whose period is due and not yet sent; returns what happened."""
    now = now or datetime.now(UTC)
    render = render or pdf_renderer(store, workspace_id, settings)
    with store.session() as session:
        today = now.astimezone(workspace_zone(session, workspace_id)).date()
    outcomes = []
    for schedule in settings.schedule:
        period = due_period(schedule, today)
        if period is not None:
            outcomes.append(_deliver(store, workspace_id, schedule, period, now, send, render))
    return outcomes


def _deliver(
    store: Store,
    workspace_id: int,
    schedule: ReportSchedule,
    period: tuple[date, date],
    now: datetime,
    send: Sender,
    render: Renderer,
) -> Outcome:
    claimed = _claim(store, workspace_id, schedule.name, period, now)
    if claimed is None:
        return Outcome(schedule.name, period, "already_sent")
    if not isinstance(claimed, int):
        return Outcome(schedule.name, period, "busy")
    error: str | None = None
    try:
        urls = _recipients(store, workspace_id, schedule)
        document = render(schedule, *period)
        title = f"Stormwatch review {period[0]} – {period[1]}" + (
            f": {schedule.brand}" if schedule.brand else ""
        )
        with tempfile.TemporaryDirectory(prefix="stormwatch-report-") as folder:
            attachment = Path(folder) / f"review-{schedule.name}-{period[0]}-{period[1]}.pdf"
            attachment.write_bytes(document)
            refused = [url.split("://")[0] for url in urls if not send(url, title, title + ".", attachment)]
        if refused:
            error = f"not accepted by: {', '.join(refused)}"
    except Exception as exc:  # a broken channel or report must not stop the other schedules
        error = f"{type(exc).__name__}: {exc}"
    return _record(store, claimed, schedule.name, period, now, error)


def _claim(
    store: Store, workspace_id: int, name: str, period: tuple[date, date], now: datetime
) -> int | str | None:
    """The delivery's id once this process holds it; None when it was sent (or given up), "busy"
    when another process holds a fresh claim."""
    try:
        with store.session() as session:
            session.add(
                ReportDelivery(
                    workspace_id=workspace_id,
                    schedule=name,
                    period_start=period[0],
                    period_end=period[1],
                    status="pending",
                    attempts=0,
                )
            )
    except IntegrityError:
        pass  # the row exists: this period was seen before (here or by another process)
    with store.session() as session:
        row = session.scalar(
            select(ReportDelivery).where(
                ReportDelivery.workspace_id == workspace_id,
                ReportDelivery.schedule == name,
                ReportDelivery.period_start == period[0],
            )
        )
        assert row is not None
        if row.status in ("sent", "failed"):
            return None
        claimable = (ReportDelivery.status == "pending") | (
            (ReportDelivery.status == "sending") & (ReportDelivery.claimed_at < now - STALE_CLAIM)
        )
        # One UPDATE decides between racing processes: only one sees its row change.
        taken = session.execute(
            update(ReportDelivery)
            .where(ReportDelivery.id == row.id, claimable)
            .values(status="sending", claimed_at=now)
        )
        return row.id if taken.rowcount == 1 else "busy"  # type: ignore[attr-defined]


def _recipients(store: Store, workspace_id: int, schedule: ReportSchedule) -> list[str]:
    """Names of [[people]] become their notify URLs; anything with "://" is an apprise URL."""
    with store.session() as session:
        people = {
            p.name: list(p.notify_urls or [])
            for p in session.scalars(select(Person).where(Person.workspace_id == workspace_id, Person.active))
        }
    urls = []
    for target in schedule.to:
        if "://" in target:
            urls.append(target)
        elif target in people:
            if not people[target]:
                raise ValueError(f"report.schedule {schedule.name}: {target} has no notify URL")
            urls += people[target]
        else:
            raise ValueError(f"report.schedule {schedule.name}: no person {target!r} in [[people]]")
    return urls


def _record(
    store: Store, delivery_id: int, name: str, period: tuple[date, date], now: datetime, error: str | None
) -> Outcome:
    with store.session() as session:
        row = session.get_one(ReportDelivery, delivery_id)
        row.attempts += 1
        row.error = error
        if error is None:
            row.status, row.sent_at = "sent", now
            return Outcome(name, period, "sent")
        row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
        log.warning("review %s for %s–%s not sent (attempt %d): %s", name, *period, row.attempts, error)
        return Outcome(name, period, "gave_up" if row.status == "failed" else "failed", error)
