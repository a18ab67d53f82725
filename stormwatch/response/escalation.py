"""Who to page about a crisis, and when: pure logic over the playbook, the team and a given time.

Nothing here reads a clock; ``now`` is passed in, so the rules are tested with fake time and the
runtime's :func:`stormwatch.response.service.tick` simply passes the wall clock.

The rules, in words:

* When a crisis reaches a severity it has not been paged at, the first level of the playbook's
  chain for that severity is paged, and the ``also_notify`` roles are told. A severity rise is
  such a new severity, so it re-alerts even an acknowledged crisis.
* While nobody has acknowledged, each level has ``ack_within_minutes``; then the next level is paged.
* A person in their quiet hours is not paged unless the severity is 4; a level with nobody
  reachable is skipped, and if no level is, the page waits for the next tick (someone wakes up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from stormwatch.playbook.models import Playbook, Step
from stormwatch.workspace.config import PersonConfig

NOTIFY_LEVEL = -1  # people told at once, with no acknowledgement expected
WAKE_EVERYONE_AT = 4


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A page already queued: what the escalation clock runs from."""

    severity: int
    level: int
    person: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PageOrder:
    severity: int
    level: int
    role: str
    person: PersonConfig
    reason: str


def is_quiet(person: PersonConfig, at: datetime) -> bool:
    window = person.quiet_window()
    if window is None:
        return False
    local = at.astimezone(ZoneInfo(person.timezone)).time()
    return in_window(local, *window)


def in_window(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end  # over midnight, e.g. 22:00-07:00


def reachable(team: list[PersonConfig], role: str, severity: int, now: datetime) -> list[PersonConfig]:
    """People with ``role`` who can be paged now: they have a channel and are not asleep."""
    return [
        person
        for person in team
        if role in person.roles
        and person.notify
        and (severity >= WAKE_EVERYONE_AT or not is_quiet(person, now))
    ]


def plan_pages(
    playbook: Playbook,
    severity: int,
    acknowledged: bool,
    team: list[PersonConfig],
    pages: list[PageRecord],
    now: datetime,
) -> list[PageOrder]:
    """The pages to send now for a crisis at ``severity``, given those already sent."""
    rule = playbook.rule_for(severity)
    at_severity = [page for page in pages if page.severity == severity]
    chain_pages = [page for page in at_severity if page.level != NOTIFY_LEVEL]
    orders = _notify_orders(rule.also_notify, severity, team, at_severity, now)
    if not chain_pages:
        reason = f"crisis at severity {severity}: you are the {{role}} on call"
        return _level_orders(rule.chain, 0, severity, team, now, reason) + orders
    if acknowledged:
        return orders
    last = max(chain_pages, key=lambda page: (page.created_at, page.level))
    waited = now - last.created_at
    if waited < timedelta(minutes=rule.ack_within_minutes):
        return orders
    reason = (
        f"not acknowledged within {rule.ack_within_minutes} min of paging {last.person}; "
        "escalated to you as {role}"
    )
    return _level_orders(rule.chain, last.level + 1, severity, team, now, reason) + orders


def _level_orders(
    chain: list[str], start: int, severity: int, team: list[PersonConfig], now: datetime, reason: str
) -> list[PageOrder]:
    for level in range(start, len(chain)):
        people = reachable(team, chain[level], severity, now)
        if people:
            role = chain[level]
            return [PageOrder(severity, level, role, person, reason.format(role=role)) for person in people]
    return []


def _notify_orders(
    roles: list[str], severity: int, team: list[PersonConfig], done: list[PageRecord], now: datetime
) -> list[PageOrder]:
    told = {page.person for page in done if page.level == NOTIFY_LEVEL}
    orders: list[PageOrder] = []
    for role in roles:
        for person in reachable(team, role, severity, now):
            if person.name not in told:
                told.add(person.name)
                reason = f"for your information as {role}: crisis at severity {severity}"
                orders.append(PageOrder(severity, NOTIFY_LEVEL, role, person, reason))
    return orders


def overdue_steps(playbook: Playbook, started_at: datetime, done: set[str], now: datetime) -> list[Step]:
    """Steps whose deadline (minutes after the crisis started) has passed and that are not done."""
    return [
        step
        for step in playbook.all_steps()
        if step.id not in done and now >= started_at + timedelta(minutes=step.due_minutes)
    ]
