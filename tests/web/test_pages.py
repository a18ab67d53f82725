"""Pages: Polish or English per user, the read-only demo mode, offline API docs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from stormwatch.crisis.service import record_update
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.models import Brand
from tests.web.conftest import Site, csrf_of
from tests.web.world import START, _opened, build_world, free_port


def test_each_user_gets_their_language(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.browser(tenant.users["analyst"]) as client:
        assert "Kryzysy" not in client.get("/").text
        answer = client.post(
            "/preferences/language", data={"language": "pl", "back": "/", "csrf_token": csrf_of(client)}
        )
        assert answer.status_code == 303
        polish = client.get(f"/crises/{tenant.crisis_key}").text
        assert "Oś czasu" in polish and "Potwierdź przyjęcie" in polish and 'lang="pl"' in polish
        client.post("/preferences/language", data={"language": "en", "csrf_token": csrf_of(client)})
        assert "Timeline" in client.get(f"/crises/{tenant.crisis_key}").text
    with site.browser(tenant.users["viewer"]) as other:
        assert "Crises" in other.get("/").text  # someone else's choice is theirs only


def test_the_api_docs_work_offline(site: Site) -> None:
    with site.client() as client:
        docs = client.get("/docs").text
        assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
        assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
        dashboard_assets = [
            client.get(f"/static/vendor/{name}").status_code for name in ("htmx.min.js", "uPlot.iife.min.js")
        ]
    assert dashboard_assets == [200, 200]


@pytest.fixture
def demo_site(tmp_path: Path) -> Iterator[tuple[str, int]]:
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    tenants = build_world(store, hours=4)
    public = tenants["acme"]
    server = BackgroundServer(
        create_app(store, public_workspace_id=public.workspace_id), "127.0.0.1", free_port()
    )
    server.start()
    yield server.url, public.workspace_id
    server.stop()
    store.engine.dispose()


def test_the_demo_mode_is_read_only_for_visitors(demo_site: tuple[str, int]) -> None:
    url, _ = demo_site
    with httpx.Client(base_url=url) as visitor:
        page = visitor.get("/", headers={"Accept": "text/html", "Accept-Language": "pl-PL"})
        assert page.status_code == 200 and "ACMEMARK" in page.text and "Demo tylko do odczytu" in page.text
        assert "GLOBEXMARK" not in visitor.get("/api/mentions").text
        crisis = visitor.get("/api/crises").json()[0]["id"]
        assert visitor.post(f"/api/crises/{crisis}/acknowledge").status_code == 403
        push = {"id": "v", "text": "x", "created_at": "2026-03-01T00:00:00Z", "brand": "Shared Brand"}
        assert visitor.post("/api/mentions", json=push).status_code == 403
        assert visitor.get("/api/tokens").status_code == 403
        # A wrong token is refused, not turned into a visitor.
        assert visitor.get("/api/crises", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_response_times_fragment_shows_the_brands_figures(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.browser(tenant.users["viewer"]) as client:
        dashboard = client.get(f"/?brand={tenant.brand_id}").text
        assert f"/fragments/response-times?brand={tenant.brand_id}" in dashboard
        fragment = client.get(f"/fragments/response-times?brand={tenant.brand_id}&days=2")
    assert fragment.status_code == 200 and "SLA 60 min" in fragment.text


def _eased_to_one(site: Site, tenant_key: str) -> str:
    """The tenant's crisis escalated to 4, then eased one level at a time to 1, as the detector does."""
    tenant = site.tenants[tenant_key]
    with site.store.session() as session:
        brand = session.get(Brand, tenant.brand_id)
        assert brand is not None
        opened = _opened(tenant, START + timedelta(hours=40))
        at = opened.at + timedelta(minutes=20)
        record_update(session, replace(opened, kind="escalated", severity=4, at=at), brand)
        for step, severity in enumerate((3, 2, 1), start=1):
            lowered = replace(
                opened, kind="deescalated", severity=severity, at=at + step * timedelta(hours=2), signal=None
            )
            record_update(session, lowered, brand)
    return tenant.crisis_key


def _text_of(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}">')[1].split("</")[0]


def test_an_eased_crisis_says_its_level_now_beside_the_peak_its_reason_tells(fresh_site: Site) -> None:
    """Issue 23: the badge read "1" beside a reason ending "Waga 4." (the escalation's facts)."""
    key = _eased_to_one(fresh_site, "acme")
    with fresh_site.browser(fresh_site.tenants["acme"].users["analyst"]) as client:
        english = client.get(f"/crises/{key}").text
        assert _text_of(english, "severity") == "1"
        assert "Eased since to severity 1: no warning sign has held it at 4." in _text_of(english, "reason")
        client.post("/preferences/language", data={"language": "pl", "csrf_token": csrf_of(client)})
        polish = _text_of(client.get(f"/crises/{key}").text, "reason")
        assert "Waga 4." in polish and "osłabł do wagi 1" in polish
        listed = client.get("/fragments/crises").text
        assert "Waga 4." in listed and "osłabł do wagi 1" in listed
