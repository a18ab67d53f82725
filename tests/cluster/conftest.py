"""Fixtures of the cluster tests: a fresh PostgreSQL schema (tests/conftest.py), an alert inbox,
and a cluster whose processes are stopped however the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stormwatch.store.db import Store
from tests.cluster.harness import AlertInbox, Cluster, workspace_file


@pytest.fixture
def inbox() -> Iterator[AlertInbox]:
    box = AlertInbox()
    yield box
    box.close()


@pytest.fixture
def cluster(postgres_url: str, inbox: AlertInbox, tmp_path: Path) -> Iterator[Cluster]:
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Cluster(postgres_url, workspace_file(tmp_path / "workspace.toml", inbox.url), logs)
    yield running
    running.stop()


@pytest.fixture
def cluster_store(cluster: Cluster) -> Iterator[Store]:
    store = Store.open(cluster.database_url)
    yield store
    store.engine.dispose()
