"""The scheduled review on a fake clock: once per period, across restarts, a missed day caught up,
a failed send retried; and once through apprise to a real HTTP receiver, PDF attached."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from stormwatch.report.documents import review_html
from stormwatch.report.models import ReportDelivery
from stormwatch.report.schedule import MAX_ATTEMPTS, Renderer, due_period, period_before, send_day, send_due
from stormwatch.store.db import Store
from stormwatch.workspace.config import PersonConfig, ReportSchedule, ReportSettings, WorkspaceConfig
from stormwatch.workspace.service import apply_config
from tests.alerting.receiver import running_receiver

MONTHLY = ReportSchedule(name="monthly", to=["Anna"], language="pl")


def test_the_calendar_of_periods_and_send_days() -> None:
    assert period_before("month", date(2026, 3, 17)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_before("month", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert period_before("quarter", date(2026, 4, 2)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_before("quarter", date(2026, 2, 2)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert period_before("week", date(2026, 3, 5)) == (date(2026, 2, 23), date(2026, 3, 1))
    # February 2026 ends on a Saturday: the first working day after it is Monday 2 March.
    assert send_day(MONTHLY, date(2026, 2, 28)) == date(2026, 3, 2)
    assert send_day(MONTHLY.model_copy(update={"on": "first_day"}), date(2026, 2, 28)) == date(2026, 3, 1)
    assert due_period(MONTHLY, date(2026, 3, 1)) == (date(2026, 1, 1), date(2026, 1, 31))  # Sunday: not yet
    assert due_period(MONTHLY, date(2026, 3, 2)) == (date(2026, 2, 1), date(2026, 2, 28))


class Outbox:
    """Records what would have gone out, and can refuse the first sends like a channel that is down."""

    def __init__(self, refuse: int = 0) -> None:
        self.sent: list[tuple[str, str, bytes]] = []
        self.refuse = refuse

    def __call__(self, url: str, title: str, body: str, attachment: Path) -> bool:
        if self.refuse:
            self.refuse -= 1
            return False
        self.sent.append((url, title, attachment.read_bytes()))
        return True


def _workspace(store: Store, notify: str = "json://127.0.0.1:9/anna") -> int:
    config = WorkspaceConfig(people=[PersonConfig(name="Anna", notify=[notify], timezone="Europe/Warsaw")])
    with store.session() as session:
        return apply_config(session, config).id


def _render(store: Store, workspace_id: int) -> Renderer:
    def render(schedule: ReportSchedule, first: date, last: date) -> bytes:
        html = review_html(
            store, workspace_id, first, last, brand=None, locale=schedule.language, branding=ReportSettings()
        )
        return html.encode()

    return render


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_once_per_period_across_restarts_and_a_missed_day_caught_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schedule.db'}"
    store = Store.open(url)
    workspace_id = _workspace(store)
    settings = ReportSettings(schedule=[MONTHLY])
    outbox = Outbox()
    render = _render(store, workspace_id)
    # Sunday 1 March: February's review is not due before Monday 2 March (January's was, and goes now:
    # the schedule is new and January is the latest whose day has passed).
    first = send_due(store, workspace_id, settings, now=_at(date(2026, 3, 1)), send=outbox, render=render)
    assert [(o.period[0].month, o.status) for o in first] == [(1, "sent")]
    # The service was down on Monday 2 and Tuesday 3; on Wednesday it catches up February, once.
    wednesday = _at(date(2026, 3, 4))
    assert [
        o.status for o in send_due(store, workspace_id, settings, now=wednesday, send=outbox, render=render)
    ] == ["sent"]
    assert [
        o.status
        for o in send_due(
            store, workspace_id, settings, now=wednesday + timedelta(hours=1), send=outbox, render=render
        )
    ] == ["already_sent"]
    store.engine.dispose()
    # A restart: a new process over the same database sends nothing again all month.
    restarted = Store.open(url)
    for day in range(5, 32):
        send_due(restarted, workspace_id, settings, now=_at(date(2026, 3, day)), send=outbox, render=render)
    assert len(outbox.sent) == 2
    url_sent, title, document = outbox.sent[1]
    assert url_sent == "json://127.0.0.1:9/anna" and "2026-02-01" in title
    assert "Podsumowanie" in document.decode()  # the schedule's language
    # April's first working day is Wednesday 1 April: March goes then.
    april = send_due(restarted, workspace_id, settings, now=_at(date(2026, 4, 1)), send=outbox, render=render)
    assert [(o.period, o.status) for o in april] == [((date(2026, 3, 1), date(2026, 3, 31)), "sent")]
    with restarted.session() as session:
        rows = session.scalars(select(ReportDelivery).order_by(ReportDelivery.period_start)).all()
        assert [(r.period_start.month, r.status, r.attempts) for r in rows] == [
            (1, "sent", 1),
            (2, "sent", 1),
            (3, "sent", 1),
        ]
    restarted.engine.dispose()


def test_a_failed_send_is_retried_then_given_up(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'retry.db'}")
    workspace_id = _workspace(store)
    settings = ReportSettings(schedule=[MONTHLY])
    render = _render(store, workspace_id)
    outbox = Outbox(refuse=1)
    monday = _at(date(2026, 3, 2))
    failed = send_due(store, workspace_id, settings, now=monday, send=outbox, render=render)
    assert [o.status for o in failed] == ["failed"] and "not accepted" in str(failed[0].error)
    retried = send_due(
        store, workspace_id, settings, now=monday + timedelta(minutes=15), send=outbox, render=render
    )
    assert [o.status for o in retried] == ["sent"] and len(outbox.sent) == 1
    # A channel that never accepts: retried MAX_ATTEMPTS times in all, then left alone.
    weekly = ReportSettings(schedule=[ReportSchedule(name="weekly", every="week", to=["Anna"])])
    down = Outbox(refuse=100)
    statuses = [
        send_due(store, workspace_id, weekly, now=monday + timedelta(minutes=n), send=down, render=render)[
            0
        ].status
        for n in range(MAX_ATTEMPTS + 2)
    ]
    assert statuses == ["failed"] * (MAX_ATTEMPTS - 1) + ["gave_up", "already_sent", "already_sent"]
    # An unknown recipient is a clear error on the delivery, not a crash.
    stranger = ReportSettings(schedule=[ReportSchedule(name="x", to=["Nobody"])])
    (outcome,) = send_due(store, workspace_id, stranger, now=monday, send=down, render=render)
    assert "no person 'Nobody'" in str(outcome.error)
    store.engine.dispose()


@pytest.mark.slow
def test_the_pdf_goes_through_apprise_to_a_real_receiver(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'apprise.db'}")
    with running_receiver() as receiver:
        workspace_id = _workspace(store, notify=receiver.url(path="anna"))
        settings = ReportSettings(schedule=[MONTHLY])
        (outcome,) = send_due(store, workspace_id, settings, now=_at(date(2026, 3, 2)))
        assert outcome.status == "sent", outcome.error
        (post,) = receiver.posts
    assert post["path"] == "/anna" and "2026-02-01" in post["body"]["title"]
    (attached,) = post["body"]["attachments"]
    assert attached["filename"].endswith(".pdf") and attached["mimetype"] == "application/pdf"
    store.engine.dispose()
