"""The response clock over the store: pages go out through a real receiver, once, and escalate."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from stormwatch.crisis.models import Crisis
from stormwatch.response import service
from stormwatch.response.models import Page
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

from ..alerting.receiver import running_receiver
from .conftest import T0, Workspace


def _team(store: Store, anna_url: str, ben_url: str) -> int:
    config = WorkspaceConfig(
        brands=[BrandConfig(name="Northwind Air")],
        people=[
            PersonConfig(name="Anna", roles=["owner"], notify=[anna_url]),
            PersonConfig(name="Ben", roles=["lead"], notify=[ben_url]),
            PersonConfig(name="Lena", roles=["legal"], notify=[ben_url.replace("/ben", "/lena")]),
        ],
    )
    with store.session() as session:
        return apply_config(session, config).id


def test_pages_escalate_once_and_a_severity_rise_re_alerts(workspace: Workspace) -> None:
    store, library = workspace.store, workspace.library
    with running_receiver() as receiver:
        workspace_id = _team(store, receiver.url(path="anna"), receiver.url(path="ben"))
        key = service.open_crisis(
            store, workspace_id, "Northwind Air", reason="Storm.", actor="monitor", severity=2,
            library=library, now=T0,  # no cause yet: the generic playbook, which tells legal at severity 3
        )  # fmt: skip
        for _ in range(2):  # the same moment twice pages nobody twice
            service.tick(store, library, now=T0)
        assert [p["path"] for p in receiver.posts] == ["/anna"]
        service.tick(store, library, now=T0 + timedelta(minutes=30))
        service.tick(store, library, now=T0 + timedelta(minutes=31))
        assert [p["path"] for p in receiver.posts] == ["/anna", "/ben"]
        service.acknowledge(store, key, "Ben", now=T0 + timedelta(minutes=35))
        with store.session() as session:
            session.scalars(select(Crisis)).one().severity = 3
        report = service.tick(store, library, now=T0 + timedelta(minutes=40))
        assert report.paged == 2 and report.escalated == 0  # Anna again, and legal told at severity 3
        assert sorted(p["path"] for p in receiver.posts[2:]) == ["/anna", "/lena"]
        assert (
            "No acknowledgement needed"
            in next(p for p in receiver.posts if p["path"] == "/lena")["body"]["message"]
        )
        assert service.tick(store, library, now=T0 + timedelta(hours=2)).paged == 0
    timeline = service.crisis_detail(store, key)["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("page_sent") == 4 and kinds.count("escalation") == 1
    # Each missed deadline is flagged once, however often the clock ticks; the acknowledged step is not.
    overdue = [e["data"]["step"] for e in timeline if e["kind"] == "step_overdue"]
    assert sorted(overdue) == sorted(set(overdue)) and "pause_scheduled" in overdue
    assert overdue.index("acknowledge") == 0  # flagged at 30 min, before Ben acknowledged at 35


def test_an_unreachable_person_is_retried_then_recorded_as_failed(workspace: Workspace) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"json://127.0.0.1:{probe.getsockname()[1]}/x"
    store, library = workspace.store, workspace.library
    workspace_id = _team(store, dead, dead.replace("/x", "/ben"))
    key = service.open_crisis(
        store,
        workspace_id,
        "Northwind Air",
        reason="Storm.",
        actor="m",
        cause="customer_service",
        library=library,
        now=T0,
    )
    for minute in range(5):
        report = service.tick(store, library, now=T0 + timedelta(minutes=minute))
        assert report.failed == 1 and report.sent == 0
    with store.session() as session:
        page = session.scalars(select(Page)).one()
        assert (page.status, page.attempts) == ("failed", 5) and page.error
    assert "page_failed" in [e["kind"] for e in service.crisis_detail(store, key)["timeline"]]
    # The escalation does not wait for a delivery that will never come: the lead is paged on time.
    assert service.tick(store, library, now=T0 + timedelta(minutes=30)).paged == 1


def test_a_team_nobody_can_page_is_noted_once_per_severity(workspace: Workspace) -> None:
    store, library = workspace.store, workspace.library  # the fixture's team has no notify URLs
    key = service.open_crisis(store, workspace.workspace_id, "Northwind Air", reason="x", actor="m", now=T0)
    for minute in range(3):
        assert service.tick(store, library, now=T0 + timedelta(minutes=minute)).paged == 0
    with store.session() as session:
        session.scalars(select(Crisis)).one().severity = 3
    service.tick(store, library, now=T0 + timedelta(minutes=5))
    notes = [e for e in service.crisis_detail(store, key)["timeline"] if e["kind"] == "nobody_paged"]
    assert [n["data"]["severity"] for n in notes] == [2, 3]
    assert "no one with a role in (owner, lead)" in notes[0]["message"]
