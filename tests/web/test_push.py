"""Pushed mentions are accepted at once (202) and analysed in the background; oversized pushes get 413."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.auth.service import add_user, create_token
from stormwatch.ingest.models import Mention, QuarantinedRecord, SetAsideMention
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.runtime import Runtime
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.limits import MAX_PUSH_BYTES, MAX_PUSH_RECORDS
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config
from tests.stream_fixtures import ordinary_days
from tests.web.world import free_port

BRAND = "Northwind Air"
VIEWER, PASSWORD = "viewer@example.com", "a long enough password"


@pytest.fixture
def served(store: Store) -> Iterator[tuple[Runtime, httpx.Client]]:
    """The real server over a runtime whose background loop is not started yet."""
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig(brands=[BrandConfig(name=BRAND)])).id
        secret, _ = create_token(session, workspace_id, "pusher", ["read", "mentions:write"], actor="test")
        add_user(session, VIEWER, PASSWORD, workspace_id=workspace_id, role="viewer")
    analyzer = TextAnalyzer.load(deep=False)
    live = LivePipeline(store, analyzer, workspace_id)
    runtime = Runtime(store, workspace_id, analyzer, live, MentionIngestor(store, workspace_id))
    runtime.pipelines[workspace_id] = live
    server = BackgroundServer(create_app(store, after_push=runtime.notify), "127.0.0.1", free_port())
    server.start()
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    yield runtime, client
    client.close()
    runtime.close()
    server.stop()


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_push_is_accepted_without_analysis_and_analysed_in_the_background(
    served: tuple[Runtime, httpx.Client],
) -> None:
    runtime, client = served
    records = ordinary_days(hours=10)[:300]
    answer = client.post("/api/mentions", json=records)
    assert answer.status_code == 202
    assert answer.json()["stored"] == len(records)
    # The request only stored them: nothing was analysed inside it.
    assert (_count(runtime.store, Mention), _count(runtime.store, Enrichment)) == (len(records), 0)
    assert client.get("/api/failed-mentions").json()["pending"] == len(records)

    runtime.process_in_background()
    deadline = time.monotonic() + 60
    while _count(runtime.store, Enrichment) < len(records) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _count(runtime.store, Enrichment) == len(records)
    backlog = client.get("/api/failed-mentions").json()
    assert (backlog["pending"], backlog["set_aside"], backlog["items"]) == (0, 0, [])


def test_pushes_over_the_limits_are_refused_with_413(served: tuple[Runtime, httpx.Client]) -> None:
    runtime, client = served
    many = [dict(r, id=f"many-{i}") for i, r in enumerate(ordinary_days(hours=100)[: MAX_PUSH_RECORDS + 1])]
    too_many = client.post("/api/mentions", json=many)
    assert too_many.status_code == 413
    assert str(MAX_PUSH_RECORDS) in too_many.json()["detail"]

    huge = ordinary_days(hours=1)[0] | {"text": "x" * (MAX_PUSH_BYTES + 1)}
    too_big = client.post("/api/mentions", json=huge)
    assert too_big.status_code == 413 and "bytes" in too_big.json()["detail"]
    # Sent in chunks without a declared length, it is cut off as it streams in.
    body = httpx.Request("POST", "/", json=huge).content
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    streamed = client.post("/api/mentions", content=chunks, headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert _count(runtime.store, Mention) == 0

    spec = client.get("/openapi.json").json()["paths"]["/api/mentions"]["post"]["responses"]
    assert {"202", "413"} <= set(spec)


def test_set_aside_mentions_are_listed_and_shown_on_the_dashboard(
    served: tuple[Runtime, httpx.Client],
) -> None:
    runtime, client = served
    client.post("/api/mentions", json=ordinary_days(hours=1)[:3])
    with runtime.store.session() as session:
        first = session.scalars(select(Mention).order_by(Mention.id)).first()
        assert first is not None
        reason = "OverflowError: date value out of range"
        session.add(
            SetAsideMention(
                mention_id=first.id, workspace_id=runtime.workspace_id, stage="detection", reason=reason
            )
        )
    listed = client.get("/api/failed-mentions").json()
    assert (listed["pending"], listed["set_aside"]) == (2, 1)
    assert (
        listed["items"][0] | {"id": first.external_id, "stage": "detection", "reason": reason}
        == listed["items"][0]
    )

    with httpx.Client(base_url=str(client.base_url), timeout=30) as browser:
        page = browser.get("/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"email": VIEWER, "password": PASSWORD, "csrf_token": csrf, "next": "/"}
        assert browser.post("/login", data=form).status_code == 303
        dashboard = browser.get("/").text
    assert "1 mention set aside" in dashboard and 'href="/failed-mentions"' in dashboard
    assert "2 mentions waiting for analysis" in dashboard


def test_a_quarantined_push_keeps_its_record_and_later_pushes_find_their_brands(
    served: tuple[Runtime, httpx.Client],
) -> None:
    runtime, client = served
    good, other = ordinary_days(hours=1)[:2]
    bad = {"id": "no-text", "brand": BRAND, "created_at": good["created_at"], "likes": 1.7, "note": "é"}
    answer = client.post("/api/mentions", json=[good, bad])
    assert answer.status_code == 202
    assert (answer.json()["stored"], answer.json()["quarantined"]) == (1, 1)
    with runtime.store.session() as session:
        kept = session.scalars(select(QuarantinedRecord)).one()
    # Written as JSON only once it was refused, as it came (field order, non-ASCII text).
    assert (kept.origin, kept.line, kept.raw) == ("api", 1, json.dumps(bad, ensure_ascii=False))

    # A later push of the same brand and of a new one: the brand ids the API remembers stay right.
    answer = client.post("/api/mentions", json=[other, good | {"id": "new-brand", "brand": "Polana"}])
    assert (answer.status_code, answer.json()["stored"]) == (202, 2)
    with runtime.store.session() as session:
        brands = dict(
            session.execute(
                select(Mention.external_id, Brand.name).join(Brand, Brand.id == Mention.brand_id)
            ).all()
        )
    assert brands == {good["id"]: BRAND, other["id"]: BRAND, "new-brand": "Polana"}
