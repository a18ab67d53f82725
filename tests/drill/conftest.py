"""A real workspace (two brands, a team) and a drill driver over it, with an API client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.auth.service import add_user, create_token
from stormwatch.drill import service
from stormwatch.drill.api import DrillDriver
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

PASSWORD = "drill-password-123"
TEAM = [
    PersonConfig(name="Anna", roles=["owner", "comms"]),
    PersonConfig(name="Ben", roles=["lead", "approver", "legal"]),
    PersonConfig(name="Iga", roles=["customer_service", "security"]),
]


def workspace_config(alert_urls: list[str] | None = None, notify: list[str] | None = None) -> WorkspaceConfig:
    return WorkspaceConfig(
        brands=[
            BrandConfig(name="Northwind Air", own_handles=["northwindair"], alert_urls=alert_urls or []),
            BrandConfig(
                name="Polana", own_handles=["polana_pl"], languages=["pl"], alert_urls=alert_urls or []
            ),
        ],
        people=[p.model_copy(update={"notify": notify or []}) for p in TEAM],
    )


@dataclass
class World:
    store: Store
    workspace_id: int
    driver: DrillDriver
    client: TestClient
    pipelines: dict[int, LivePipeline] = field(default_factory=dict)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def token(self, workspace_id: int, name: str, scopes: list[str]) -> dict[str, str]:
        with self.store.session() as session:
            secret, _ = create_token(session, workspace_id, name, scopes, actor="test")
        return {"Authorization": f"Bearer {secret}"}

    def participant(self, email: str, drill_workspace: int) -> TestClient:
        """A team member logged in through the form, switched to the drill's workspace, as a
        browser would be: their actions carry their name (the approval rule checks it)."""
        client = TestClient(self.client.app)
        page = client.get("/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        token = client.get("/").text.split('"X-CSRF-Token": "')[1].split('"')[0]
        client.headers["X-CSRF-Token"] = token
        switched = client.post(
            "/workspace", data={"workspace_id": drill_workspace, "csrf_token": token}, follow_redirects=False
        )
        assert switched.status_code == 303, switched.text
        return client

    def advance(self, run_id: int) -> int:
        with self.store.session() as session:
            workspace_id = service.get_run(session, run_id).workspace_id
        return service.advance(
            self.store, run_id, self.driver.live_for(workspace_id), self.driver.library, send=self.driver.send
        )

    def step(self, run_id: int, facilitator: dict[str, str], minutes: float = 5) -> dict[str, Any]:
        """The facilitator skips the paused clock ahead; the service injects what is due."""
        response = self.client.post(
            f"/api/drills/{run_id}/skip", json={"minutes": minutes}, headers=facilitator
        )
        assert response.status_code == 200, response.text
        self.advance(run_id)
        return self.client.get(f"/api/drills/{run_id}", headers=facilitator).json()  # type: ignore[no-any-return]


def make_world(store: Store, config: WorkspaceConfig | None = None, send: Any = None) -> World:
    with store.session() as session:
        workspace_id = apply_config(session, config or workspace_config()).id
        for person in TEAM:
            add_user(
                session,
                f"{person.name.lower()}@team.example",
                PASSWORD,
                workspace_id=workspace_id,
                role="manager",
                display_name=person.name,
            )
    judge = TextAnalyzer.load(deep=False)
    pipelines: dict[int, LivePipeline] = {}

    def live_for(wid: int) -> LivePipeline:
        if wid not in pipelines:
            pipelines[wid] = (
                LivePipeline(store, judge, wid, send=send) if send else LivePipeline(store, judge, wid)
            )
            pipelines[wid].warm_up()
        return pipelines[wid]

    world_sent: list[tuple[str, str, str]] = []

    def record(url: str, title: str, body: str) -> bool:
        world_sent.append((url, title, body))
        return True

    driver = DrillDriver(live_for, PlaybookLibrary.load(), send or record)
    client = TestClient(create_app(store, playbooks=driver.library, drills=driver))
    return World(store, workspace_id, driver, client, pipelines, world_sent)


@pytest.fixture
def world(sqlite_store: Store) -> Iterator[World]:
    yield make_world(sqlite_store)


def start_paused(world: World, scenario: str, facilitator: dict[str, str]) -> int:
    response = world.client.post("/api/drills", json={"scenario": scenario, "speed": 10}, headers=facilitator)
    assert response.status_code == 201, response.text
    run_id: int = response.json()["id"]
    assert world.client.post(f"/api/drills/{run_id}/pause", headers=facilitator).status_code == 200
    return run_id
