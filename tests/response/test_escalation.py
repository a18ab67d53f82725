"""Who is paged when: the pure escalation rules on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.escalation import (
    NOTIFY_LEVEL,
    PageOrder,
    PageRecord,
    in_window,
    is_quiet,
    overdue_steps,
    plan_pages,
)
from stormwatch.workspace.config import PersonConfig

PLAYBOOK = (
    PlaybookLibrary.load().get("generic").playbook
)  # sev 2: 30 min, chain owner → lead; sev 3 also legal
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ANNA = PersonConfig(name="Anna", roles=["owner"], notify=["json://127.0.0.1/anna"])
BEN = PersonConfig(name="Ben", roles=["lead"], notify=["json://127.0.0.1/ben"])
LENA = PersonConfig(name="Lena", roles=["legal"], notify=["json://127.0.0.1/lena"])
# Sleeps 22:00–07:00 in Warsaw (UTC+1 in March): 21:00–06:00 UTC.
OLA = PersonConfig(
    name="Ola",
    roles=["owner"],
    notify=["json://127.0.0.1/ola"],
    timezone="Europe/Warsaw",
    quiet_hours="22:00-07:00",
)
TEAM = [ANNA, BEN, LENA]


def _sent(orders: list[PageOrder], at: datetime) -> list[PageRecord]:
    return [PageRecord(o.severity, o.level, o.person.name, at) for o in orders]


def _names(orders: list[PageOrder]) -> list[tuple[str, int]]:
    return [(o.person.name, o.level) for o in orders]


def test_the_owner_first_then_the_lead_when_nobody_acknowledges() -> None:
    first = plan_pages(PLAYBOOK, 2, False, TEAM, [], NOON)
    assert _names(first) == [("Anna", 0)]
    pages = _sent(first, NOON)
    assert plan_pages(PLAYBOOK, 2, False, TEAM, pages, NOON + timedelta(minutes=29, seconds=59)) == []
    second = plan_pages(PLAYBOOK, 2, False, TEAM, pages, NOON + timedelta(minutes=30))
    assert (
        _names(second) == [("Ben", 1)] and "not acknowledged within 30 min of paging Anna" in second[0].reason
    )
    pages += _sent(second, NOON + timedelta(minutes=30))
    # The chain is exhausted: nobody else to wake.
    assert plan_pages(PLAYBOOK, 2, False, TEAM, pages, NOON + timedelta(hours=3)) == []


def test_an_acknowledgement_stops_the_escalation() -> None:
    pages = _sent(plan_pages(PLAYBOOK, 2, False, TEAM, [], NOON), NOON)
    assert plan_pages(PLAYBOOK, 2, True, TEAM, pages, NOON + timedelta(hours=1)) == []


def test_a_severity_rise_re_alerts_even_after_acknowledgement_with_the_stricter_rule() -> None:
    pages = _sent(plan_pages(PLAYBOOK, 2, False, TEAM, [], NOON), NOON)
    later = NOON + timedelta(minutes=10)
    risen = plan_pages(PLAYBOOK, 3, True, TEAM, pages, later)
    assert sorted(_names(risen)) == [("Anna", 0), ("Lena", NOTIFY_LEVEL)]  # legal is told at severity 3
    pages += _sent(risen, later)
    assert plan_pages(PLAYBOOK, 3, True, TEAM, pages, later + timedelta(hours=1)) == []
    # Unacknowledged at severity 3, the rule's 15 min apply.
    assert _names(plan_pages(PLAYBOOK, 3, False, TEAM, pages, later + timedelta(minutes=15))) == [("Ben", 1)]


def test_quiet_hours_skip_to_the_next_level_except_at_severity_4() -> None:
    night = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 00:30 in Warsaw
    assert is_quiet(OLA, night) and not is_quiet(OLA, NOON)
    team = [OLA, BEN]
    assert _names(plan_pages(PLAYBOOK, 2, False, team, [], night)) == [("Ben", 1)]
    assert _names(plan_pages(PLAYBOOK, 2, False, team, [], NOON)) == [("Ola", 0)]
    assert _names(plan_pages(PLAYBOOK, 4, False, team, [], night)) == [("Ola", 0)]


def test_when_everyone_sleeps_the_page_waits_for_someone_to_wake() -> None:
    night = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert plan_pages(PLAYBOOK, 2, False, [OLA], [], night) == []
    morning = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 07:00 in Warsaw
    assert _names(plan_pages(PLAYBOOK, 2, False, [OLA], [], morning)) == [("Ola", 0)]


def test_people_without_a_channel_are_not_paged() -> None:
    silent = PersonConfig(name="Silent", roles=["owner"])
    assert _names(plan_pages(PLAYBOOK, 2, False, [silent, BEN], [], NOON)) == [("Ben", 1)]


def test_quiet_windows_over_and_within_a_day() -> None:
    assert in_window(time(23, 0), time(22, 0), time(7, 0)) and in_window(time(6, 59), time(22, 0), time(7, 0))
    assert not in_window(time(7, 0), time(22, 0), time(7, 0))
    assert in_window(time(13, 0), time(12, 0), time(14, 0)) and not in_window(
        time(14, 0), time(12, 0), time(14, 0)
    )


def test_overdue_steps_follow_the_deadlines() -> None:
    assert [s.id for s in overdue_steps(PLAYBOOK, NOON, set(), NOON + timedelta(minutes=14))] == []
    assert [s.id for s in overdue_steps(PLAYBOOK, NOON, set(), NOON + timedelta(minutes=30))] == [
        "acknowledge",
        "pause_scheduled",
    ]
    assert [s.id for s in overdue_steps(PLAYBOOK, NOON, {"acknowledge"}, NOON + timedelta(minutes=30))] == [
        "pause_scheduled"
    ]
