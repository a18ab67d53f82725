"""A cause correction made in the product steers later predictions of that workspace only (real store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stormwatch.analysis.corrections import (
    CorrectionError,
    latest_correction_id,
    record_correction,
    workspace_corrections,
)
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.models import CAUSES
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.auth.service import create_token
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig, WorkspaceSettings
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config

BRAND = "Northwind Air"
CORRECTED = "The new ad with the clown mocking nurses is a disgrace, who approved this?"
LATER = "That clown ad mocking nurses is a disgrace"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _workspace(store: Store, name: str) -> tuple[int, MentionIngestor]:
    config = WorkspaceConfig(workspace=WorkspaceSettings(name=name), brands=[BrandConfig(name=BRAND)])
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    return workspace_id, MentionIngestor(store, workspace_id)


def _push(ingestor: MentionIngestor, external_id: str, text: str, minute: int) -> None:
    record = {
        "id": external_id,
        "text": text,
        "brand": BRAND,
        "created_at": (START + timedelta(minutes=minute)).isoformat(),
    }
    ingestor.ingest([RawRecord(1, "", record)], origin="test")


def _cause(store: Store, workspace_id: int, external_id: str) -> str | None:
    with store.session() as session:
        enrichment = session.scalars(
            select(Enrichment)
            .join(Mention, Mention.id == Enrichment.mention_id)
            .join(Brand, Brand.id == Mention.brand_id)
            .where(Mention.external_id == external_id, Brand.workspace_id == workspace_id)
        ).one()
        return enrichment.cause


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer.load()


def test_a_correction_in_the_store_steers_later_mentions_of_its_workspace(
    sqlite_store: Store, analyzer: TextAnalyzer
) -> None:
    corrected_ws, corrected_in = _workspace(sqlite_store, "agency A")
    other_ws, other_in = _workspace(sqlite_store, "agency B")
    corrected_live = LivePipeline(sqlite_store, analyzer, corrected_ws)
    other_live = LivePipeline(sqlite_store, analyzer, other_ws)

    _push(corrected_in, "m1", CORRECTED, 0)
    corrected_live.run_until_idle()
    predicted = _cause(sqlite_store, corrected_ws, "m1")
    assert predicted is None or predicted in CAUSES
    target = next(c for c in ("controversial_action", "communication_error") if c != predicted)

    with sqlite_store.session() as session:
        record_correction(session, corrected_ws, brand=BRAND, external_id="m1", cause=target)
    assert _cause(sqlite_store, corrected_ws, "m1") == target  # the corrected mention itself

    _push(corrected_in, "m2", LATER, 5)
    _push(other_in, "m2", LATER, 5)
    corrected_live.run_until_idle()
    other_live.run_until_idle()
    assert _cause(sqlite_store, corrected_ws, "m2") == target
    assert _cause(sqlite_store, other_ws, "m2") == analyzer.judge([LATER])[0].cause != target

    # an unrelated negative mention keeps the model's own cause
    unrelated = "my suitcase never arrived and nobody at the desk could tell me where it is"
    _push(corrected_in, "m3", unrelated, 9)
    corrected_live.run_until_idle()
    assert _cause(sqlite_store, corrected_ws, "m3") == analyzer.judge([unrelated])[0].cause


def test_corrections_are_validated_and_the_latest_one_per_mention_counts(sqlite_store: Store) -> None:
    workspace_id, ingestor = _workspace(sqlite_store, "agency A")
    _push(ingestor, "m1", CORRECTED, 0)
    with sqlite_store.session() as session:
        assert latest_correction_id(session, workspace_id) is None
        with pytest.raises(CorrectionError, match="unknown cause 'rudeness'"):
            record_correction(session, workspace_id, brand=BRAND, external_id="m1", cause="rudeness")
        with pytest.raises(CorrectionError, match="no mention 'nope'"):
            record_correction(session, workspace_id, brand=BRAND, external_id="nope", cause=None)
        record_correction(session, workspace_id, brand=BRAND, external_id="m1", cause="negative_review")
        second = record_correction(session, workspace_id, brand=BRAND, external_id="m1", cause=None)
        assert latest_correction_id(session, workspace_id) == second.id
        corrections = workspace_corrections(session, workspace_id)
    assert [(c.text, c.cause) for c in corrections] == [(CORRECTED, None)]


def test_correction_endpoint(sqlite_store: Store, analyzer: TextAnalyzer) -> None:
    workspace_id, ingestor = _workspace(sqlite_store, "agency A")
    other_id, _ = _workspace(sqlite_store, "agency B")
    live = LivePipeline(sqlite_store, analyzer, workspace_id)
    _push(ingestor, "m1", CORRECTED, 0)
    live.run_until_idle()
    with sqlite_store.session() as session:
        analyst, _ = create_token(session, workspace_id, "analyst", ["read", "crises:act"], actor="test")
        reader, _ = create_token(session, workspace_id, "reader", ["read"], actor="test")
        stranger, _ = create_token(session, other_id, "stranger", ["read", "crises:act"], actor="test")
    client = TestClient(create_app(sqlite_store))

    def post(token: str, body: dict[str, object]) -> Any:
        return client.post("/api/cause-corrections", json=body, headers={"Authorization": f"Bearer {token}"})

    ok = post(analyst, {"brand": BRAND, "id": "m1", "cause": "customer_service"})
    assert ok.status_code == 201 and ok.json()["cause"] == "customer_service"
    assert _cause(sqlite_store, workspace_id, "m1") == "customer_service"
    bad = post(analyst, {"brand": BRAND, "id": "m1", "cause": "rude"})
    assert bad.status_code == 422 and "unknown cause" in bad.json()["detail"]
    assert post(analyst, {"brand": BRAND, "id": "zz", "cause": None}).status_code == 422
    assert post(reader, {"brand": BRAND, "id": "m1", "cause": None}).status_code == 403
    # another workspace's token cannot reach this workspace's mention
    assert post(stranger, {"brand": BRAND, "id": "m1", "cause": None}).status_code == 422
    assert _cause(sqlite_store, workspace_id, "m1") == "customer_service"
