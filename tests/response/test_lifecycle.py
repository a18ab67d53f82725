"""The crisis lifecycle over the store: open by hand, acknowledge, assign, notes, steps, merge, split,
and the playbook snapshot that a running crisis keeps when the file changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from stormwatch.crisis.models import Crisis
from stormwatch.crisis.service import open_crises
from stormwatch.detection.models import SignalRecord
from stormwatch.playbook.loader import DEFAULTS_DIR, PlaybookLibrary
from stormwatch.response import service
from stormwatch.response.service import ResponseError

from .conftest import T0, Workspace


def _open(
    ws: Workspace, cause: str | None = "customer_service", brand: str = "Northwind Air", minutes: int = 0
) -> str:
    return service.open_crisis(
        ws.store,
        ws.workspace_id,
        brand,
        reason="Complaints about cancelled flights pile up.",
        actor="Anna",
        cause=cause,
        library=ws.library,
        now=T0 + timedelta(minutes=minutes),
    )


def _kinds(ws: Workspace, key: str) -> list[str]:
    return [event["kind"] for event in service.crisis_detail(ws.store, key)["timeline"]]


def test_open_by_hand_runs_the_cause_playbook_and_walks_the_lifecycle(workspace: Workspace) -> None:
    key = _open(workspace)
    detail = service.crisis_detail(workspace.store, key, now=T0)
    assert detail["status"] == "detected" and detail["playbook"]["name"] == "customer_service"
    assert detail["steps"][0]["id"] == "acknowledge" and not detail["steps"][0]["overdue"]

    assert service.acknowledge(workspace.store, key, "Ben", now=T0 + timedelta(minutes=4))
    assert not service.acknowledge(workspace.store, key, "Anna", now=T0 + timedelta(minutes=5))
    service.assign(workspace.store, key, "comms", "Anna", "Ben", now=T0 + timedelta(minutes=6))
    service.assign(workspace.store, key, "owner", "Anna", "Ben", now=T0 + timedelta(minutes=7))
    service.add_note(
        workspace.store,
        key,
        "Ops says the IT outage is fixed by 15:00.",
        "Anna",
        now=T0 + timedelta(minutes=8),
    )
    service.complete_step(workspace.store, key, "find_cause", "Anna", now=T0 + timedelta(minutes=50))
    service.set_status(workspace.store, key, "responding", "Anna", now=T0 + timedelta(minutes=60))
    service.set_status(workspace.store, key, "monitoring", "Anna", now=T0 + timedelta(minutes=120))
    service.set_status(
        workspace.store, key, "responding", "Anna", "It flared up again.", now=T0 + timedelta(minutes=130)
    )
    before = service.crisis_detail(workspace.store, key, now=T0 + timedelta(hours=3))
    assert next(s for s in before["steps"] if s["id"] == "holding_statement")["overdue"]
    service.resolve(workspace.store, key, "Anna", now=T0 + timedelta(hours=4))

    detail = service.crisis_detail(workspace.store, key, now=T0 + timedelta(hours=5))
    assert detail["status"] == "resolved" and detail["closed_at"] == "2026-03-02T16:00:00Z"
    assert {(a["role"], a["person"]) for a in detail["assignments"]} == {("owner", "Anna"), ("comms", "Anna")}
    steps = {step["id"]: step for step in detail["steps"]}
    assert steps["acknowledge"]["done_by"] == "Ben" and steps["find_cause"]["done_by"] == "Anna"
    assert not steps["holding_statement"]["overdue"] and steps["holding_statement"]["done_by"] is None
    timeline = detail["timeline"]
    assert [e["kind"] for e in timeline] == [
        "opened", "playbook", "acknowledged", "assigned", "step_done", "assigned", "assigned", "note",
        "step_done", "status", "status", "status", "status",
    ]  # fmt: skip
    assert timeline[5]["message"] == "Anna is comms." and timeline[6]["actor"] == "Ben"
    acknowledged_step, cause_step = (e for e in timeline if e["kind"] == "step_done")
    assert (
        acknowledged_step["data"] == {"step": "acknowledge", "late": -11.0}
        and acknowledged_step["actor"] == "Ben"
    )
    assert cause_step["message"] == "Done: Find the operational cause with operations (5 min late)."


def test_the_lifecycle_refuses_what_makes_no_sense(workspace: Workspace) -> None:
    key = _open(workspace)
    with pytest.raises(ResponseError, match="cannot become reviewed"):
        service.set_status(workspace.store, key, "reviewed", "Anna", now=T0)
    with pytest.raises(ResponseError, match="unknown status"):
        service.set_status(workspace.store, key, "panicking", "Anna", now=T0)
    with pytest.raises(ResponseError, match="has no role 'intern'"):
        service.assign(workspace.store, key, "intern", "Anna", "Ben", now=T0)
    with pytest.raises(ResponseError, match="not in the team of Northwind Air"):
        service.assign(workspace.store, key, "customer_service", "Iga", "Ben", now=T0)  # Iga works on Polana
    with pytest.raises(ResponseError, match="no step 'dance'"):
        service.complete_step(workspace.store, key, "dance", "Anna", now=T0)
    with pytest.raises(ResponseError, match="no crisis"):
        service.acknowledge(workspace.store, "nope", "Anna", now=T0)
    with pytest.raises(ResponseError, match="no brand"):
        service.open_crisis(workspace.store, workspace.workspace_id, "Acme", reason="x", actor="Anna", now=T0)
    service.resolve(workspace.store, key, "Anna", now=T0 + timedelta(minutes=5))
    with pytest.raises(ResponseError, match="nothing to acknowledge"):
        service.acknowledge(workspace.store, key, "Anna", now=T0 + timedelta(minutes=6))
    service.set_status(workspace.store, key, "responding", "Anna", "Reopened.", now=T0 + timedelta(minutes=7))
    assert service.crisis_detail(workspace.store, key)["closed_at"] is None


def test_a_running_crisis_keeps_its_playbook_version_when_the_file_changes(workspace: Workspace) -> None:
    key = _open(workspace)
    edited = (DEFAULTS_DIR / "customer_service.yaml").read_text(encoding="utf-8")
    edited = edited.replace("version: 1", "version: 2").replace(
        "due_minutes: 60\n    template: holding", "due_minutes: 20\n    template: holding"
    )
    (workspace.playbooks / "customer_service.yaml").write_text(edited, encoding="utf-8")
    library = PlaybookLibrary.load(workspace.playbooks)
    assert library.get("customer_service").playbook.step("holding_statement").due_minutes == 20

    service.tick(workspace.store, library, now=T0 + timedelta(minutes=1))
    detail = service.crisis_detail(workspace.store, key, now=T0 + timedelta(minutes=30))
    assert detail["playbook"]["version"] == 1
    holding = next(step for step in detail["steps"] if step["id"] == "holding_statement")
    assert holding["due_at"] == "2026-03-02T13:00:00Z" and not holding["overdue"]
    # A new crisis gets the new version.
    other = _open(workspace, brand="Polana", minutes=5)
    service.tick(workspace.store, library, now=T0 + timedelta(minutes=6))
    assert (
        service.crisis_detail(workspace.store, other)["playbook"]["version"] == 1
    )  # opened with the old library
    newer = service.open_crisis(
        workspace.store, workspace.workspace_id, "Polana", reason="x", actor="Anna", cause="customer_service",
        library=library, now=T0 + timedelta(minutes=7),
    )  # fmt: skip
    assert service.crisis_detail(workspace.store, newer)["playbook"]["version"] == 2


def test_a_crisis_without_a_known_cause_moves_to_its_playbook_until_someone_acts(
    workspace: Workspace,
) -> None:
    key = _open(workspace, cause=None)
    assert service.crisis_detail(workspace.store, key)["playbook"]["name"] == "generic"
    with workspace.store.session() as session:
        session.scalars(select(Crisis)).one().cause = "account_compromise"
    service.tick(workspace.store, workspace.library, now=T0 + timedelta(minutes=1))
    assert service.crisis_detail(workspace.store, key)["playbook"]["name"] == "account_compromise"
    assert "playbook changed from generic v1 to account_compromise v1" in _timeline_text(workspace, key)


def _timeline_text(ws: Workspace, key: str) -> str:
    return " ".join(e["message"] for e in service.crisis_detail(ws.store, key)["timeline"])


def _signal(crisis_id: int, brand_id: int, minutes: int, cause: str) -> SignalRecord:
    return SignalRecord(
        brand_id=brand_id, crisis_id=crisis_id, kind="negative_surge", at=T0 + timedelta(minutes=minutes),
        observed=40, expected=4, window_minutes=30, cause=cause, reach=1000, summary="rose", evidence={},
    )  # fmt: skip


def test_merge_and_split(workspace: Workspace) -> None:
    first, second = _open(workspace), _open(workspace, minutes=20)
    assert first != second
    with workspace.store.session() as session:
        crises = {c.key: c for c in session.scalars(select(Crisis))}
        a, b = crises[first], crises[second]
        b.severity = 3
        session.add_all(
            [
                _signal(a.id, a.brand_id, 0, "customer_service"),
                _signal(b.id, b.brand_id, 20, "account_compromise"),
            ]
        )
    service.merge(workspace.store, second, first, "Ben", now=T0 + timedelta(minutes=30))
    merged = service.crisis_detail(workspace.store, first)
    assert merged["severity"] == 3 and "was merged into this crisis" in _timeline_text(workspace, first)
    assert service.crisis_detail(workspace.store, second)["status"] == "merged"
    with workspace.store.session() as session:
        assert {c.key for c in open_crises(session)} == {first}  # the detectors no longer feed the merged one
        signals = session.scalars(select(SignalRecord).order_by(SignalRecord.id)).all()
        assert {s.crisis_id for s in signals} == {a.id}
        hacked_signal = signals[1].id
    with pytest.raises(ResponseError, match="into itself"):
        service.merge(workspace.store, first, first, "Ben", now=T0)

    new = service.split(
        workspace.store, first, [hacked_signal], actor="Ben", reason="The account takeover is its own story.",
        library=workspace.library, now=T0 + timedelta(minutes=40),
    )  # fmt: skip
    split_off = service.crisis_detail(workspace.store, new)
    assert (
        split_off["cause"] == "account_compromise" and split_off["playbook"]["name"] == "account_compromise"
    )
    assert split_off["opened_at"] == "2026-03-02T12:20:00Z"
    assert f"split off into {new}" in _timeline_text(workspace, first)
    with pytest.raises(ResponseError, match="do not belong"):
        service.split(workspace.store, first, [hacked_signal], actor="Ben", reason="again", now=T0)
