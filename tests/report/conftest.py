"""One generated quarter per module, on SQLite (the figures' queries are the web app's, which its
own tests run on PostgreSQL too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stormwatch.store.db import Store
from tests.report.world import Quarter, build_quarter


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Quarter]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('quarter') / 'report.db'}")
    yield build_quarter(store)
    store.engine.dispose()
