"""A workspace with a brand and a small team, on either database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEAM = [
    PersonConfig(name="Anna", roles=["owner", "comms"], reply_signature="^AK"),
    PersonConfig(name="Ben", roles=["lead", "approver"], reply_signature="^BC"),
    PersonConfig(name="Iga", roles=["customer_service"], brands=["Polana"], timezone="Europe/Warsaw"),
]


@dataclass
class Workspace:
    store: Store
    workspace_id: int
    library: PlaybookLibrary
    playbooks: Path


@pytest.fixture
def workspace(store: Store, tmp_path: Path) -> Workspace:
    config = WorkspaceConfig(
        brands=[
            BrandConfig(name="Northwind Air", own_handles=["northwindair"], reply_sla_minutes=60),
            BrandConfig(name="Polana", own_handles=["polana_pl"], reply_sla_minutes=120),
        ],
        people=TEAM,
    )
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    folder = tmp_path / "playbooks"
    folder.mkdir()
    return Workspace(store, workspace_id, PlaybookLibrary.load(folder), folder)
