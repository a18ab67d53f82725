"""The API answers as its OpenAPI document says, and schemathesis finds no server error.

Schemathesis (its command line, as a CI job would run it) generates requests from the document —
its examples, edge cases of every parameter and body (wrong types, out-of-range numbers, methods
the path does not have), random valid and invalid ones, and sequences of calls — and sends them
through HTTP to the running server with an admin token of one workspace. Every answer must be
documented (status code, content type, body schema, headers), invalid requests must be refused,
and an unknown method must get 405 with the path's real ``Allow``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stormwatch.sources.registry import build_sources
from stormwatch.sources.secrets import Secrets
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config
from tests.web.conftest import Site
from tests.web.world import build_world, free_port

MAX_EXAMPLES = 25
# Not positive_data_acceptance: a well-formed request can still be refused for what it means
# (a mention with no text, a correction of an unknown mention), with a documented 422 or 404.
SKIPPED_CHECKS = "positive_data_acceptance"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The two tenants' site, with the connector routes too (source health, a webhook)."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'web.db'}")
    tenants = build_world(store, hours=6, per_hour=2)
    hook = {"name": "crm", "secret_env": "CRM_SECRET", "fields": {"text": "message"}}
    config = WorkspaceConfig.model_validate(
        {
            "workspace": {"name": tenants["acme"].name},
            "brands": [{"name": "Northwind", "sources": {"webhooks": [hook]}}],
        }
    )
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    sources = build_sources(config, Secrets({"CRM_SECRET": "s3cret"}, env={}))
    app = create_app(store, sources=sources, sources_workspace_id=workspace_id)
    server = BackgroundServer(app, "127.0.0.1", free_port())
    server.start()
    yield Site(server.url, store, tenants, server)
    server.stop()
    store.engine.dispose()


@pytest.mark.slow
def test_every_answer_is_the_documented_one(served: Site, tmp_path: Path) -> None:
    site = served
    token = site.tenants["acme"].tokens["all"]
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{site.url}/openapi.json",
        "--checks=all",
        f"--exclude-checks={SKIPPED_CHECKS}",
        "--mode=all",
        f"--max-examples={MAX_EXAMPLES}",
        f"--header=Authorization: Bearer {token}",
        # The live stream never ends, and revoking tokens would revoke the fuzzer's own one:
        # both are tested by hand in test_api.py and test_security.py.
        "--exclude-path=/api/events",
        "--exclude-path-regex=^/api/tokens/",
        # Each report example would start Chromium for a PDF (seconds each, hundreds of examples):
        # the report endpoints are tested in tests/report/test_pdf_and_api.py.
        "--exclude-path-regex=^/api/reports/",
        "--no-color",
    ]
    # In a folder of its own: schemathesis keeps a cache of what it found where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "Tested: 4" in run.stdout  # the forty-odd operations (a dozen of them drills) were all reached
    assert "/api/webhooks/{name}" in run.stdout


def test_the_openapi_document_is_valid(site: Site) -> None:
    from openapi_spec_validator import validate

    with site.client() as client:
        document = client.get("/openapi.json").json()
    validate(document)
    paths = set(document["paths"])
    assert {"/api/mentions", "/api/crises/{key}", "/api/drafts/{draft_id}/approve", "/api/events"} <= paths
    assert {"HTTPBearer", "APIKeyCookie"} <= set(document["components"]["securitySchemes"])
    assert "HTTPValidationError" not in document["components"]["schemas"]  # 422s are Unprocessable


def test_an_unknown_method_gets_every_method_of_the_path_in_allow(site: Site) -> None:
    with site.client(site.tenants["acme"].tokens["all"]) as client:
        answers = [client.request("OPTIONS", "/api/mentions"), client.put("/api/tokens")]
    assert [(a.status_code, a.headers["allow"]) for a in answers] == [(405, "GET, POST"), (405, "GET, POST")]


def test_query_parameters_are_refused_unless_of_their_declared_type(site: Site) -> None:
    with site.client(site.tenants["acme"].tokens["all"]) as client:
        number = client.get("/api/mentions", params={"until": "0.5"})
        naive = client.get("/api/mentions", params={"since": "2026-11-25T10:00:00"})
        good = client.get("/api/mentions", params={"since": "2026-11-25T10:00:00Z"})
    assert (number.status_code, naive.status_code, good.status_code) == (422, 422, 200)
    assert number.json()["detail"][0]["loc"] == ["query", "until"]
    assert "zone" in naive.json()["detail"][0]["msg"]
