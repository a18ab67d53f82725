"""Refusals and error pages in the reader's language (issue 23): a Polish user reads the crisis
room's refusals, 403 and 404 pages in Polish; the API keeps answering JSON in English."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import httpx

from tests.web.conftest import Site, csrf_of

HTML = {"accept": "text/html"}


@contextmanager
def polish(site: Site, role: str) -> Iterator[httpx.Client]:
    with site.browser(site.tenants["acme"].users[role]) as client:
        client.post(
            "/preferences/language", data={"language": "pl", "back": "/", "csrf_token": csrf_of(client)}
        )
        try:
            yield client
        finally:
            client.post("/preferences/language", data={"language": "en", "csrf_token": csrf_of(client)})


def test_a_refused_action_is_flashed_in_polish(site: Site) -> None:
    key = site.tenants["acme"].crisis_key
    with polish(site, "analyst") as client:
        answer = client.post(f"/crises/{key}/notes", data={"text": "   ", "csrf_token": csrf_of(client)})
        flash = unquote(answer.headers["location"].split("problem=")[1])
        assert flash == "pusta notatka nic nie mówi"
        room = client.get(answer.headers["location"]).text
        assert "Nie wykonano:" in room and "pusta notatka nic nie mówi" in room


def test_404_and_403_pages_are_in_polish_for_a_polish_reader(site: Site) -> None:
    with polish(site, "viewer") as client:
        missing = client.get("/crises/no-such-crisis", headers=HTML)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert "Nie znaleziono" in missing.text and "nie ma takiego kryzysu" in missing.text
        assert 'lang="pl"' in missing.text and "no such crisis" not in missing.text
        nowhere = client.get("/no/such/page", headers=HTML)
        assert nowhere.status_code == 404 and "Nie znaleziono" in nowhere.text
        key = site.tenants["acme"].crisis_key
        denied = client.post(f"/crises/{key}/acknowledge", data={"csrf_token": csrf_of(client)}, headers=HTML)
        assert denied.status_code == 403 and "Brak uprawnień" in denied.text
        assert (
            "nie pozwala na" in denied.text and "crises:act" in denied.text and "may not" not in denied.text
        )


def test_an_english_reader_gets_english_pages_and_the_api_stays_json(site: Site) -> None:
    with site.browser(site.tenants["acme"].users["viewer"]) as client:
        page = client.get("/crises/no-such-crisis", headers=HTML)
        assert page.status_code == 404 and "no such crisis in this workspace" in page.text
    token = site.tenants["acme"].tokens["read"]
    with site.client(token) as api:
        answer = api.get("/api/crises/no-such-crisis")
        assert answer.status_code == 404 and answer.json() == {"detail": "no such crisis in this workspace"}


def test_the_set_aside_mentions_page_is_in_polish(fresh_site: Site) -> None:
    from sqlalchemy import select

    from stormwatch.ingest.models import Mention, SetAsideMention

    tenant = fresh_site.tenants["acme"]
    with fresh_site.store.session() as session:
        mention = session.scalars(select(Mention).where(Mention.brand_id == tenant.brand_id).limit(1)).one()
        session.add(
            SetAsideMention(
                mention_id=mention.id,
                workspace_id=tenant.workspace_id,
                stage="analysis",
                reason="ValueError: x",
            )
        )
    with polish(fresh_site, "viewer") as client:
        dashboard = client.get("/").text
        assert "1 wzmianka odłożona" in dashboard and 'href="/failed-mentions"' in dashboard
        page = client.get("/failed-mentions")
        assert page.status_code == 200 and "Odłożone wzmianki" in page.text
        assert "analiza (język, wydźwięk, przyczyna)" in page.text and "ValueError: x" in page.text
    other = fresh_site.tenants["globex"]
    with fresh_site.browser(other.users["viewer"]) as client:  # another workspace sees none of it
        assert "ValueError: x" not in client.get("/failed-mentions").text
