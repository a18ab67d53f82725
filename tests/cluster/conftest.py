"""Fixtures of the cluster tests: a fresh PostgreSQL schema (tests/conftest.py), an alert inbox,
and a cluster whose processes are stopped however the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stormwatch.store.db import Store
from tests.cluster.harness import (
    AlertInbox,
    Cluster,
    CrisisFact,
    drop_streams,
    replay_facts,
    slice_stream,
    workspace_file,
)


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
    drop_streams(running.prefix)


@pytest.fixture
def cluster_store(cluster: Cluster) -> Iterator[Store]:
    store = Store.open(cluster.database_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def demo_replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CrisisFact]]:
    """The whole demo stream and what ``stormwatch detect --fast`` reports for it (computed once)."""
    folder = tmp_path_factory.mktemp("demo")
    stream = slice_stream(folder / "stream.jsonl", None)
    # Alert URLs do not change what is detected: any workspace file of the demo's brands will do.
    workspace = workspace_file(folder / "workspace.toml", "json://127.0.0.1:9/")
    return stream, replay_facts(workspace, stream)
