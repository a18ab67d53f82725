"""Crisis keys are unique per workspace: a namesake brand elsewhere never collides or shows through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.response import service
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig, WorkspaceSettings
from stormwatch.workspace.service import apply_config, find_brand

AT = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
KEY = "northwind-air-20260303T1600"


def _tenant(store: Store, name: str) -> int:
    config = WorkspaceConfig(
        workspace=WorkspaceSettings(name=name), brands=[BrandConfig(name="Northwind Air")]
    )
    with store.session() as session:
        workspace_id = apply_config(session, config).id
        brand = find_brand(session, workspace_id, "Northwind Air")
        assert brand is not None
        update = CrisisUpdate("opened", KEY, brand.name, AT, 3, "customer_service", f"{name} storm", None)
        record_update(session, update, brand)
    return workspace_id


def test_namesake_crises_keep_one_key_each_and_actions_stay_in_their_workspace(store: Store) -> None:
    first, second = _tenant(store, "Agency A"), _tenant(store, "Agency B")
    with pytest.raises(service.ResponseError, match="several workspaces"):
        service.add_note(store, KEY, "whose?", "someone")  # no workspace named: refused, not guessed
    with service.acting_in(second):
        service.add_note(store, KEY, "ours", "b-analyst")
        # A key opened by hand is numbered against the workspace's own crises only.
        manual = service.open_crisis(
            store, second, "Northwind Air", reason="by hand", actor="b-analyst", now=AT
        )
    with store.session() as session:
        crises = {c.workspace_id: c for c in session.scalars(select(Crisis))}
        notes = session.execute(
            select(Crisis.workspace_id, CrisisEvent.message).join(Crisis).where(CrisisEvent.kind == "note")
        ).all()
    assert crises[first].key == KEY and {c.key for c in crises.values()} >= {KEY}
    assert [tuple(n) for n in notes] == [(second, "ours")]
    assert manual == f"{KEY}-2"
    with store.session() as session:
        third = apply_config(
            session,
            WorkspaceConfig(
                workspace=WorkspaceSettings(name="Agency C"), brands=[BrandConfig(name="Northwind Air")]
            ),
        ).id
    # Two other workspaces hold this key already; the third's first crisis that minute still gets it bare.
    assert service.open_crisis(store, third, "Northwind Air", reason="r", actor="c", now=AT) == KEY
