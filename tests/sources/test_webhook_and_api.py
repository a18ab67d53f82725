"""The webhook receiver and GET /api/sources, served by uvicorn and called over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
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
