"""The webhook receiver and GET /api/sources, served by uvicorn and called over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

from stormwatch.auth.service import create_token
from stormwatch.sources.registry import build_sources
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.workspace.config import WorkspaceConfig
from tests.sources.servers import quarantined, serve, stored_ids

SECRET = "hook-secret"
CONFIG = WorkspaceConfig.model_validate(
    {
        "brands": [
            {
                "name": "Northwind Air",
                "keywords": ["northwind"],
                "sources": {
                    "webhooks": [
                        {
                            "name": "crm",
                            "secret_env": "CRM_WEBHOOK_SECRET",
                            "items": "payload.tickets",
                            "fields": {
                                "id": "ticket.id",
                                "text": "ticket.body",
                                "created_at": "ticket.opened",
                                "author": "customer.handle",
                            },
                        }
                    ],
                    "x": {"query": "northwind", "base_url": "http://127.0.0.1:9"},
                    "trustpilot": {"business_units": ["abc"]},
                },
            }
        ]
    }
)


def _ticket(number: int, body: str | None = "Northwind charged me twice") -> dict[str, Any]:
    ticket: dict[str, Any] = {"id": f"T-{number}", "opened": f"2025-12-01T10:0{number}:00Z"}
    if body is not None:
        ticket["body"] = body
    return {"ticket": ticket, "customer": {"handle": "@ann"}}


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhook_stores_signed_deliveries_once_and_health_is_listed(
    sqlite_store: Store, workspace_id: int
) -> None:
    configured = build_sources(CONFIG, Secrets({"CRM_WEBHOOK_SECRET": SECRET, "X_BEARER_TOKEN": "t"}, env={}))
    body = json.dumps({"payload": {"tickets": [_ticket(1), _ticket(2, body=None), _ticket(3)]}}).encode()
    with (
        serve(create_app(sqlite_store, sources=configured, sources_workspace_id=workspace_id)) as url,
        httpx.Client(base_url=url) as client,
    ):
        first = client.post("/api/webhooks/crm", content=body, headers={"X-Hub-Signature-256": _sign(body)})
        redelivered = client.post(
            "/api/webhooks/crm", content=body, headers={"X-Hub-Signature-256": _sign(body)}
        )
        forged = client.post(
            "/api/webhooks/crm", content=body, headers={"X-Hub-Signature-256": _sign(body, "guess")}
        )
        unsigned = client.post("/api/webhooks/crm", content=body)
        unknown = client.post("/api/webhooks/nope", content=body)
        not_json = client.post(
            "/api/webhooks/crm", content=b"{", headers={"X-Hub-Signature-256": _sign(b"{")}
        )
        challenge = client.get(
            "/api/webhooks/crm",
            params={"hub.mode": "subscribe", "hub.verify_token": SECRET, "hub.challenge": "42"},
        )
        wrong = client.get(
            "/api/webhooks/crm",
            params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42"},
        )
        # The X source points at a closed port: its failure shows in the health listing.
        SourceRunner(sqlite_store, workspace_id, configured.sources).poll_once(configured.sources[0])
        assert client.get("/api/sources").status_code == 401  # health is for the workspace's people
        with sqlite_store.session() as session:
            reader, _ = create_token(session, workspace_id, "health check", ["read"], actor="test")
        listing = client.get("/api/sources", headers={"Authorization": f"Bearer {reader}"})
        health = {row["key"]: row for row in listing.json()}
        documented = "/api/sources" in client.get("/openapi.json").json()["paths"]
    assert first.json() == {
        "stored": 2,
        "duplicates": 0,
        "quarantined": 1,
        "accepted": [0, 2],
        "problems": [{"index": 1, "field": "text", "error": "missing or empty"}],
    }
    assert redelivered.json()["stored"] == 0 and redelivered.json()["duplicates"] == 2
    assert [forged.status_code, unsigned.status_code, unknown.status_code, not_json.status_code] == [
        401,
        401,
        404,
        422,
    ]
    assert (challenge.status_code, challenge.text, wrong.status_code) == (200, "42", 403)
    assert stored_ids(sqlite_store, "crm") == ["T-1", "T-3"]
    assert len(quarantined(sqlite_store)) == 1
    assert (
        health["webhook/Northwind Air/crm"]["status"] == "ok"
        and health["webhook/Northwind Air/crm"]["items_stored"] == 2
    )
    x = health["x/Northwind Air/search:northwind"]
    assert x["status"] == "failing" and "ConnectError" in x["last_error"] and x["consecutive_failures"] == 1
    assert health["trustpilot/Northwind Air"]["status"] == "unavailable"
    assert "TRUSTPILOT_API_KEY" in health["trustpilot/Northwind Air"]["last_error"]
    assert documented


def _config_with_limit(max_body_bytes: int) -> WorkspaceConfig:
    raw = CONFIG.model_dump(exclude_unset=True)
    raw["brands"][0]["sources"]["webhooks"][0]["max_body_bytes"] = max_body_bytes
    return WorkspaceConfig.model_validate(raw)


def _stored_count(store: Store) -> int:
    return len(stored_ids(store, "crm"))


def test_a_large_delivery_does_not_stop_other_requests(sqlite_store: Store, workspace_id: int) -> None:
    """The probe's 4 MB delivery froze every request for seconds: storing now runs off the event loop."""
    config = _config_with_limit(16 * 1_048_576)
    configured = build_sources(config, Secrets({"CRM_WEBHOOK_SECRET": SECRET, "X_BEARER_TOKEN": "t"}, env={}))
    story = "Northwind lost my bag " * 8
    tickets = [
        {"ticket": {"id": f"T-{n}", "opened": "2025-12-01T10:00:00Z", "body": story}, "customer": {}}
        for n in range(20_000)
    ]
    body = json.dumps({"payload": {"tickets": tickets}}).encode()
    finished: dict[str, float] = {}

    with serve(create_app(sqlite_store, sources=configured, sources_workspace_id=workspace_id)) as url:

        def deliver() -> None:
            with httpx.Client(base_url=url, timeout=120) as client:
                answer = client.post(
                    "/api/webhooks/crm", content=body, headers={"X-Hub-Signature-256": _sign(body)}
                )
                assert answer.status_code == 200, answer.text
            finished["delivery"] = time.monotonic()

        worker = threading.Thread(target=deliver)
        worker.start()
        # Wait until the server is storing the delivery (its first batches are committed)...
        deadline = time.monotonic() + 60
        while _stored_count(sqlite_store) == 0:
            assert time.monotonic() < deadline and worker.is_alive(), "the delivery was never stored"
            time.sleep(0.01)
        # ...then another request must be answered while that is still going on.
        with httpx.Client(base_url=url, timeout=120) as client:
            other = client.get(
                "/api/webhooks/crm",
                params={"hub.mode": "subscribe", "hub.verify_token": SECRET, "hub.challenge": "7"},
            )
        answered = time.monotonic()
        worker.join()
    assert other.text == "7"
    assert answered < finished["delivery"], "the other request waited for the whole delivery"
    assert _stored_count(sqlite_store) == 20_000


def test_a_delivery_over_the_size_limit_is_refused_with_413(sqlite_store: Store, workspace_id: int) -> None:
    configured = build_sources(
        _config_with_limit(10_000), Secrets({"CRM_WEBHOOK_SECRET": SECRET, "X_BEARER_TOKEN": "t"}, env={})
    )
    small = json.dumps({"payload": {"tickets": [_ticket(1)]}}).encode()
    large = json.dumps({"payload": {"tickets": [_ticket(n % 10) for n in range(200)]}}).encode()
    assert len(large) > 10_000

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is only known while reading
        for start in range(0, len(large), 1000):
            yield large[start : start + 1000]

    with (
        serve(create_app(sqlite_store, sources=configured, sources_workspace_id=workspace_id)) as url,
        httpx.Client(base_url=url) as client,
    ):
        declared = client.post(
            "/api/webhooks/crm", content=large, headers={"X-Hub-Signature-256": _sign(large)}
        )
        streamed = client.post(
            "/api/webhooks/crm", content=chunks(), headers={"X-Hub-Signature-256": _sign(large)}
        )
        fits = client.post("/api/webhooks/crm", content=small, headers={"X-Hub-Signature-256": _sign(small)})
    assert (declared.status_code, streamed.status_code, fits.status_code) == (413, 413, 200)
    assert "limit of 10000" in declared.json()["detail"]
    assert stored_ids(sqlite_store, "crm") == ["T-1"]
