from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config


@pytest.fixture
def workspace_id(sqlite_store: Store) -> int:
    with sqlite_store.session() as session:
        return _apply(session)


def _apply(session: Session) -> int:
    return apply_config(session, WorkspaceConfig.model_validate({"brands": [{"name": "Northwind Air"}]})).id
