"""Who closes a crisis: the detector proposes, a person decides; an untouched crisis closes itself
only after a quiet period of wall time, with a notice (issue 23, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.response import service
from stormwatch.response.service import UNTOUCHED_CLOSE_AFTER
from stormwatch.workspace.service import find_brand

from .conftest import Workspace

# Event time of a replay: months before the wall clock, as in the demo.
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "northwind-air-20260302T0900"


def _update(ws: Workspace, kind: str, at: datetime) -> None:
    with ws.store.session() as session:
        brand = find_brand(session, ws.workspace_id, "Northwind Air")
        assert brand is not None
        update = CrisisUpdate(kind, KEY, "Northwind Air", at, 2, "customer_service", f"{kind}.", None)  # type: ignore[arg-type]
        record_update(session, update, brand)


def _kinds(ws: Workspace) -> list[str]:
    return [event["kind"] for event in service.crisis_detail(ws.store, KEY)["timeline"]]


def test_the_detector_never_closes_a_crisis_a_person_has_acted_on(workspace: Workspace) -> None:
    _update(workspace, "opened", OPENED)
    service.acknowledge(workspace.store, KEY, "Anna")
    _update(workspace, "closed", OPENED + timedelta(hours=7))
    _update(workspace, "closed", OPENED + timedelta(hours=8))  # a restart proposes again: said once
    service.tick(workspace.store, workspace.library, datetime.now(UTC) + 2 * UNTOUCHED_CLOSE_AFTER)

    detail = service.crisis_detail(workspace.store, KEY)
    assert detail["status"] == "acknowledged" and detail["closed_at"] is None
    assert _kinds(workspace).count("close_proposed") == 1
    service.resolve(workspace.store, KEY, "Anna")  # a person closes it
    assert service.crisis_detail(workspace.store, KEY)["status"] == "resolved"


def test_an_untouched_crisis_closes_after_the_quiet_period_with_a_notice(workspace: Workspace) -> None:
    _update(workspace, "opened", OPENED)
    _update(workspace, "closed", OPENED + timedelta(hours=7))
    proposed = datetime.now(UTC)

    service.tick(workspace.store, workspace.library, proposed + UNTOUCHED_CLOSE_AFTER / 2)
    assert service.crisis_detail(workspace.store, KEY)["status"] == "detected"  # time to act on it

    service.tick(workspace.store, workspace.library, proposed + UNTOUCHED_CLOSE_AFTER + timedelta(minutes=1))
    detail = service.crisis_detail(workspace.store, KEY)
    assert detail["status"] == "resolved"
    assert "nobody acted on it within 30 min" in detail["timeline"][-1]["message"]


def test_deadlines_of_a_replayed_crisis_count_from_when_its_playbook_started(workspace: Workspace) -> None:
    _update(workspace, "opened", OPENED)
    now = datetime.now(UTC)
    service.tick(workspace.store, workspace.library, now)  # attaches the playbook: the clock starts
    detail = service.crisis_detail(workspace.store, KEY, now=now + timedelta(minutes=5))
    assert not any(step["overdue"] for step in detail["steps"])
    service.acknowledge(workspace.store, KEY, "Anna", now=now + timedelta(minutes=3))
    acknowledged = next(
        e for e in service.crisis_detail(workspace.store, KEY)["timeline"] if e["kind"] == "acknowledged"
    )
    assert acknowledged["message"] == "Acknowledged 3 min after opening."
