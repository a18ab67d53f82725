"""Brands created by the mentions that name them: once under concurrency, and no more than allowed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, update

from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import IngestReport, MentionIngestor
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.models import Brand, Workspace
from stormwatch.workspace.service import apply_config


def _workspace(store: Store, max_brands: int = 100) -> int:
    config = WorkspaceConfig.model_validate(
        {"workspace": {"max_brands": max_brands}, "brands": [{"name": "Known"}]}
    )
    with store.session() as session:
        return apply_config(session, config).id


def _push(store: Store, workspace_id: int, brand: str, number: int) -> IngestReport:
    record = {"id": f"m{number}", "text": "late again", "created_at": "2026-03-03T10:00:00Z", "brand": brand}
    ingestor = MentionIngestor(store, workspace_id, limit_brands=True)
    return ingestor.ingest([RawRecord(0, repr(record), record)], origin="api")


def _brands(store: Store, workspace_id: int) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Brand.name).where(Brand.workspace_id == workspace_id)))


def test_simultaneous_first_mentions_of_a_brand_create_it_once(store: Store) -> None:
    workspace_id = _workspace(store)
    with ThreadPoolExecutor(20) as pool:
        reports = list(pool.map(lambda n: _push(store, workspace_id, "Brand New", n), range(20)))
    assert [report.stored for report in reports] == [1] * 20
    assert _brands(store, workspace_id) == ["Brand New", "Known"]


def test_pushes_create_brands_only_up_to_the_workspace_limit(store: Store) -> None:
    workspace_id = _workspace(store, max_brands=3)
    with ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(lambda n: _push(store, workspace_id, f"Brand {n}", n), range(8)))
    assert sum(report.stored for report in reports) == 2  # Known plus two new ones make three
    refused = [report.problems[0] for report in reports if report.quarantined]
    assert len(refused) == 6 and all(problem.field == "brand" for problem in refused)
    assert "max_brands" in refused[0].error and "no brand 'Brand " in refused[0].error
    assert len(_brands(store, workspace_id)) == 3
    assert _push(store, workspace_id, "Known", 99).stored == 1  # existing brands are always fine


def test_imports_are_not_limited_and_the_limit_can_be_raised(store: Store) -> None:
    workspace_id = _workspace(store, max_brands=1)
    assert _push(store, workspace_id, "Pushed", 1).quarantined == 1
    record = {"id": "f1", "text": "imported", "created_at": "2026-03-03T10:00:00Z", "brand": "Imported"}
    MentionIngestor(store, workspace_id).ingest([RawRecord(1, repr(record), record)], origin="file.jsonl")
    with store.session() as session:
        session.execute(update(Workspace).where(Workspace.id == workspace_id).values(max_brands=5))
        assert session.scalar(select(func.count(Brand.id)).where(Brand.workspace_id == workspace_id)) == 2
    assert _push(store, workspace_id, "Pushed", 2).stored == 1
