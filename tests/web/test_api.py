"""The REST API through HTTP: search and paging, pushing, the response workflow, figures, live events."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import select, update

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.workspace.models import Workspace
from tests.web.conftest import Site
from tests.web.world import BRAND


def test_mentions_search_filters_and_pages(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.client(tenant.tokens["read"]) as client:
        everything = client.get("/api/mentions", params={"limit": 500}).json()
        assert everything["total"] == 48 * 6 and everything["next_offset"] is None
        negative = client.get("/api/mentions", params={"sentiment": "negative", "limit": 10}).json()
        assert negative["total"] == 8 * 3 and negative["next_offset"] == 10
        assert all(
            m["sentiment"] == "negative" and m["cause"] == "customer_service" for m in negative["items"]
        )
        second = client.get(
            "/api/mentions", params={"sentiment": "negative", "limit": 10, "offset": 10}
        ).json()
        assert not {m["id"] for m in second["items"]} & {m["id"] for m in negative["items"]}
        words = client.get("/api/mentions", params={"q": "LOST bag"}).json()
        assert words["total"] == 24 and all("lost my bag" in m["text"] for m in words["items"])
        assert client.get("/api/mentions", params={"source": "news"}).json()["total"] == 48 * 2
        assert client.get("/api/mentions", params={"lang": "pl"}).json()["total"] == 48
        window = {"since": "2026-03-01T10:00:00Z", "until": "2026-03-01T12:00:00Z"}
        assert client.get("/api/mentions", params=window).json()["total"] == 12
        naive = client.get("/api/mentions", params={"since": "2026-03-01T10:00:00"})
        assert naive.status_code == 422 and "timezone" in naive.text
        assert (
            client.get("/api/mentions", params={"q": "100%_"}).json()["total"] == 0
        )  # LIKE wildcards are text


def test_pushed_mentions_are_stored_once_and_bad_ones_reported(site: Site) -> None:
    tenant = site.tenants["acme"]
    batch = [
        {
            "id": "push-1",
            "text": "first",
            "created_at": "2026-03-03T10:00:00Z",
            "brand": BRAND,
            "source": "api",
        },
        {"id": "push-2", "text": "", "created_at": "2026-03-03T10:01:00Z", "brand": BRAND},
    ]
    with site.client(tenant.tokens["all"]) as client:
        first = client.post("/api/mentions", json=batch).json()
        again = client.post("/api/mentions", json=batch[0]).json()
        assert client.post("/api/mentions", json=[batch[1]]).status_code == 422
    assert (first["stored"], first["quarantined"], first["problems"][0]["index"]) == (1, 1, 1)
    assert first["problems"][0]["field"] == "text"
    assert (again["stored"], again["duplicates"]) == (0, 1)


def test_brand_figures_have_the_band_and_the_crisis(site: Site) -> None:
    tenant = site.tenants["globex"]  # no test here adds mentions to it
    with site.client(tenant.tokens["read"]) as client:
        figures = client.get(f"/api/brands/{tenant.brand_id}/figures", params={"days": 2}).json()
    series = figures["series"]
    assert len(series["t"]) == 48 and sum(series["volume"]) == 48 * 6
    assert all(
        low <= exp <= high
        for low, exp, high in zip(series["band_low"], series["expected"], series["band_high"], strict=True)
    )
    assert [c["id"] for c in figures["crises"]] == [tenant.crisis_key]
    assert {row["key"] for row in figures["share"]["source"]} == {"twitter", "facebook", "news"}
    assert figures["top"][0]["author_followers"] == max(m["author_followers"] for m in figures["top"])


def test_response_workflow_acknowledge_draft_and_four_eyes_approval(fresh_site: Site) -> None:
    site = fresh_site
    tenant = site.tenants["acme"]
    key = tenant.crisis_key
    with site.browser(tenant.users["analyst"]) as analyst, site.browser(tenant.users["manager"]) as manager:
        a_csrf = {"X-CSRF-Token": analyst.get("/").text.split('"X-CSRF-Token": "')[1].split('"')[0]}
        m_csrf = {"X-CSRF-Token": manager.get("/").text.split('"X-CSRF-Token": "')[1].split('"')[0]}
        assert (
            analyst.post(f"/api/crises/{key}/acknowledge", headers=a_csrf).json()["status"] == "acknowledged"
        )
        assert analyst.post(f"/api/crises/{key}/acknowledge", headers=a_csrf).status_code == 409
        draft = analyst.post(
            f"/api/crises/{key}/drafts",
            json={
                "template": "holding_statement",
                "lang": "en",
                "text": "We are on it. Next update at 18:00.",
            },
            headers=a_csrf,
        )
        assert draft.status_code == 201 and draft.json()["status"] == "draft"
        draft_id = draft.json()["id"]
        unknown = analyst.post(f"/api/crises/{key}/drafts", json={"template": "nope"}, headers=a_csrf)
        assert unknown.status_code == 409
        approved = manager.post(f"/api/drafts/{draft_id}/approve", headers=m_csrf)
        assert approved.status_code == 200 and approved.json()["decided_by"] == "manager 0"
        # The manager drafts too, and may not approve that draft himself.
        own = manager.post(
            f"/api/crises/{key}/drafts",
            json={"template": "holding_statement", "text": "Sorry."},
            headers=m_csrf,
        )
        refused = manager.post(f"/api/drafts/{own.json()['id']}/approve", headers=m_csrf)
        assert refused.status_code == 409 and "four-eyes" in refused.text
        assert (
            manager.post(
                f"/api/crises/{key}/status", json={"status": "responding"}, headers=m_csrf
            ).status_code
            == 200
        )
        room = manager.get(f"/api/crises/{key}").json()
    assert room["status"] == "responding"
    assert room["assignments"][0] == room["assignments"][0] | {"role": "owner", "person": "analyst 0"}
    assert next(s for s in room["steps"] if s["id"] == "acknowledge")["done_by"] == "analyst 0"
    kinds = [event["kind"] for event in room["timeline"]]
    assert {"acknowledged", "draft", "approved", "status"} <= set(kinds)


def test_playbooks_and_response_times(site: Site) -> None:
    with site.client(site.tenants["acme"].tokens["read"]) as client:
        playbooks = client.get("/api/playbooks").json()
        times = client.get("/api/response-times", params={"days": 2}).json()
    assert {"generic", "customer_service"} <= {p["name"] for p in playbooks}
    assert BRAND in times["brands"] and times["sla_minutes"][BRAND] == 60


def test_live_events_stream_new_mentions_and_crisis_changes(fresh_site: Site) -> None:
    site = fresh_site
    tenant, other = site.tenants["acme"], site.tenants["globex"]
    received: list[tuple[str, dict[str, Any]]] = []
    ready = threading.Event()

    def listen() -> None:
        timeout = httpx.Timeout(10, read=15)
        with (
            site.client(tenant.tokens["read"], timeout=timeout) as client,
            client.stream("GET", "/api/events") as stream,
        ):
            kind = ""
            for line in stream.iter_lines():
                if line.startswith("retry:"):
                    ready.set()
                elif line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    received.append((kind, json.loads(line.split(":", 1)[1])))
                    if kind == "crisis":
                        return

    listener = threading.Thread(target=listen)
    listener.start()
    assert ready.wait(10)
    mention = {"id": "live-1", "text": "ACMEMARK live", "created_at": "2026-03-03T10:00:00Z", "brand": BRAND}

    with site.client(tenant.tokens["all"]) as writer, site.client(other.tokens["all"]) as stranger:
        stranger.post("/api/mentions", json=mention | {"text": "GLOBEXMARK live"})
        writer.post("/api/mentions", json=mention)
        with site.store.session() as session:  # the app here has no pipeline: analyse by hand
            for row in session.scalars(select(Mention).where(Mention.external_id == "live-1")):
                session.add(
                    Enrichment(mention_id=row.id, lang="en", sentiment="neutral", sentiment_score=0.0)
                )
        writer.post(f"/api/crises/{tenant.crisis_key}/notes", json={"text": "watching"})
    listener.join(20)
    assert [kind for kind, _ in received] == ["mention", "crisis"]
    assert received[0][1]["text"] == "ACMEMARK live"
    assert received[1][1] | {"event": "note", "crisis_id": tenant.crisis_key} == received[1][1]


def test_brand_query_without_alert_secrets(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.client(tenant.tokens["read"]) as client:
        brand = client.get(f"/api/brands/{tenant.brand_id}").json()
    assert brand["name"] == BRAND and brand["languages"] == ["en"] and "alert_urls" not in brand


def test_simultaneous_first_pushes_of_a_brand_and_the_brand_limit(fresh_site: Site) -> None:
    tenant = fresh_site.tenants["acme"]

    def push(brand: str, number: int) -> httpx.Response:
        mention = {"id": f"new-{number}", "text": "hi", "created_at": "2026-03-03T10:00:00Z", "brand": brand}
        with fresh_site.client(tenant.tokens["all"]) as client:
            return client.post("/api/mentions", json=mention)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda n: push("Brand New", n), range(20)))
    assert [answer.status_code for answer in answers] == [202] * 20
    with fresh_site.store.session() as session:
        session.execute(update(Workspace).where(Workspace.id == tenant.workspace_id).values(max_brands=2))
    refused = push("One Too Many", 99)
    assert refused.status_code == 422
    assert "no brand 'One Too Many'" in refused.json()["detail"]["problems"][0]["error"]
    with fresh_site.client(tenant.tokens["read"]) as client:
        assert sorted(brand["name"] for brand in client.get("/api/brands").json()) == sorted(
            [BRAND, "Brand New"]
        )
