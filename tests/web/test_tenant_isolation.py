"""No request of one workspace can read or change another's data: every route is tried.

The routes are taken from the app itself, so a route added later is tried too. Each is called
with the first tenant's strongest credentials (an API token with every scope, and an admin's
browser session) and the second tenant's ids in the path; the answers must not show the second
tenant's data and its rows must be the same afterwards.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from stormwatch.auth.models import ApiToken
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.ingest.models import Mention
from stormwatch.response.models import ResponseDraft
from tests.web.conftest import Site, csrf_of
from tests.web.world import BRAND, Tenant

# Routes that are not about a workspace's data at all.
NOT_TENANT_DATA = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/login",
    "/preferences/language",
}
# Ends the attacker's own session (tested in test_security.py); trying it here would end the test.
OWN_SESSION_ONLY = {"/logout"}

JSON_BODIES: dict[str, Any] = {
    "/api/mentions": {"id": "probe-1", "text": "probe", "created_at": "2026-03-02T10:00:00Z", "brand": BRAND},
    "/api/crises/{key}/notes": {"text": "probe note"},
    "/api/tokens": {"name": "probe", "scopes": ["read"]},
    "/api/crises/{key}/assignments": {"role": "owner", "person": "probe"},
    "/api/crises/{key}/status": {"status": "resolved"},
    "/api/crises/{key}/drafts": {"template": "holding_statement", "lang": "en"},
    "/api/drafts/{draft_id}/reject": {"note": "probe"},
    "/api/drills/{run_id}/skip": {"minutes": 5},
    "/api/drills/{run_id}/inject": {"inject": "probe"},
    "/api/drills/{run_id}/ratings": {"participant": "probe", "score": 3},
}
FORM_BODIES: dict[str, dict[str, str]] = {
    "/crises/{key}/notes": {"text": "probe note"},
    "/workspace": {"workspace_id": "{workspace_id}"},
    "/crises/{key}/assignments": {"role": "owner", "person": "probe"},
    "/crises/{key}/status": {"status": "resolved"},
    "/crises/{key}/drafts": {"template": "holding_statement", "lang": "en"},
    "/drafts/{draft_id}/reject": {"note": "probe"},
    "/drills/{run_id}/skip": {"minutes": "5"},
    "/drills/{run_id}/inject": {"inject": "probe"},
    "/drills/{run_id}/ratings": {"participant": "probe", "score": "3"},
    "/crises/{key}/merge": {"into": "{key}"},
    "/crises/{key}/split": {"reason": "probe", "signal": "1"},
    "/crises/{key}/review": {"what_worked": "probe"},
}


def _routes(site: Site) -> list[tuple[str, str]]:
    found = [
        (method, route.path)
        for route in _api_routes(site.server.app.routes)
        if route.path not in NOT_TENANT_DATA | OWN_SESSION_ONLY
        for method in sorted(route.methods)
    ]
    assert len(found) >= 20, found  # the API and the pages are all there
    return found


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every route, also those of included routers (FastAPI keeps those behind a wrapper)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def _snapshot(site: Site, victim: Tenant) -> dict[str, Any]:
    with site.store.session() as session:
        crisis = session.scalar(select(Crisis).where(Crisis.key == victim.crisis_key))
        assert crisis is not None
        return {
            "status": crisis.status,
            "drafts": sorted(
                (draft.id, draft.status)
                for draft in session.scalars(
                    select(ResponseDraft).where(ResponseDraft.crisis_id == crisis.id)
                )
            ),
            "events": session.scalar(select(func.count()).where(CrisisEvent.crisis_id == crisis.id)),
            "mentions": session.scalar(
                select(func.count()).select_from(Mention).where(Mention.brand_id == victim.brand_id)
            ),
            "tokens": sorted(
                (token.id, token.revoked_at is None)
                for token in session.scalars(
                    select(ApiToken).where(ApiToken.workspace_id == victim.workspace_id)
                )
            ),
        }


def _fill(path: str, victim: Tenant) -> str:
    return (
        path.replace("{key}", victim.crisis_key)
        .replace("{brand_id}", str(victim.brand_id))
        .replace("{token_id}", str(victim.token_ids["read"]))
        .replace("{workspace_id}", str(victim.workspace_id))
        .replace("{draft_id}", str(victim.draft_id))
        .replace("{step_id}", "acknowledge")
        .replace("{run_id}", str(_drill_of(victim)))
    )


DRILLS: dict[str, int] = {}


def _drill_of(victim: Tenant) -> int:
    """The id of a drill of the victim's workspace (made once by the test that needs it)."""
    return DRILLS[victim.name]


def _give_a_drill(site: Site, victim: Tenant) -> None:
    """A drill of the victim's, as `drill start` makes it (its clock stands still: nothing runs)."""
    if victim.name in DRILLS:
        return
    from datetime import UTC, datetime

    from stormwatch.drill import loader
    from stormwatch.drill.clock import DrillClock
    from stormwatch.drill.models import DrillRun
    from stormwatch.drill.service import create_drill_workspace

    loaded = loader.find("customer_service_cancellations")
    now = datetime.now(UTC)
    with site.store.session() as session:
        sandbox = create_drill_workspace(session, victim.workspace_id, loaded.scenario, None)
        run = DrillRun(
            workspace_id=sandbox.id, source_workspace_id=victim.workspace_id, scenario=loaded.scenario.name,
            scenario_text=loaded.text, brand=BRAND, status="paused", clock=DrillClock.start(now, 10).to_json(),
            origin=now, started_at=now, started_by="victim", journal={},
        )  # fmt: skip
        session.add(run)
        session.flush()
        DRILLS[victim.name] = run.id


def _call(client: httpx.Client, method: str, path: str, victim: Tenant, csrf: str | None) -> httpx.Response:
    url = _fill(path, victim)
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if path == "/api/events":
        with client.stream(method, url, headers=headers) as response:
            first = b""
            if response.status_code == 200:
                first = next(response.iter_bytes())
            return httpx.Response(response.status_code, content=first)
    if path in JSON_BODIES:
        return client.request(method, url, json=JSON_BODIES[path], headers=headers)
    if path in FORM_BODIES:
        form = {key: _fill(value, victim) for key, value in FORM_BODIES[path].items()}
        return client.request(
            method, url, data=form | ({"csrf_token": csrf} if csrf else {}), headers=headers
        )
    return client.request(method, url, headers=headers)


def _assert_no_leak(response: httpx.Response, victim: Tenant, what: str) -> None:
    text = response.text
    assert victim.marker not in text, f"{what}: {victim.name}'s data leaked"
    assert victim.crisis_key not in text, f"{what}: {victim.name}'s crisis leaked"
    assert victim.name not in text, f"{what}: {victim.name}'s workspace leaked"


@pytest.mark.parametrize("credential", ["token", "session"])
def test_no_route_reads_or_changes_another_workspace(site: Site, credential: str) -> None:
    attacker, victim = site.tenants["acme"], site.tenants["globex"]
    _give_a_drill(site, victim)
    before = _snapshot(site, victim)
    stack = ExitStack()
    if credential == "token":
        client, csrf = stack.enter_context(site.client(attacker.tokens["all"])), None
    else:
        client = stack.enter_context(site.browser(attacker.users["admin"]))
        csrf = csrf_of(client)
    tried = []
    with stack:
        for method, path in _routes(site):
            response = _call(client, method, path, victim, csrf)
            tried.append((method, path, response.status_code))
            assert response.status_code < 500, (method, path, response.text)
            _assert_no_leak(response, victim, f"{method} {path}")
            if "{" in path or path == "/workspace":
                # The victim's ids in the path must be refused, never answered.
                assert response.status_code in (403, 404), (method, path, response.status_code)
    assert _snapshot(site, victim) == before, tried


def test_the_same_requests_do_work_on_ones_own_workspace(site: Site) -> None:
    """The isolation test above could pass by refusing everything: show that it does not."""
    tenant = site.tenants["globex"]
    with site.client(tenant.tokens["all"]) as client:
        assert client.get(f"/api/crises/{tenant.crisis_key}").status_code == 200
        figures = client.get(f"/api/brands/{tenant.brand_id}/figures")
        assert figures.status_code == 200 and sum(figures.json()["series"]["volume"]) > 0
        assert tenant.marker in client.get("/api/mentions").text
        assert "ACMEMARK" not in client.get("/api/mentions?limit=500").text


def test_brand_figures_of_another_workspace_are_not_found(site: Site) -> None:
    attacker, victim = site.tenants["acme"], site.tenants["globex"]
    with site.client(attacker.tokens["read"]) as client:
        assert client.get(f"/api/brands/{victim.brand_id}/figures").status_code == 404
        assert client.get(f"/api/crises/{victim.crisis_key}").status_code == 404
        assert client.get(f"/fragments/response-times?brand={victim.brand_id}").status_code == 404
        assert client.get(f"/?brand={victim.brand_id}").status_code == 200  # falls back to an own brand
        assert victim.marker not in client.get(f"/?brand={victim.brand_id}").text
