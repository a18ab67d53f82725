"""The recorded demo stream through the cluster (2 analysis + 2 detection workers as processes,
over the real NATS JetStream and PostgreSQL) gives the crises ``stormwatch detect`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormwatch.store.db import Store
from tests.cluster.harness import AlertInbox, Cluster, CrisisFact, drain, store_mentions, stored_facts

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_cluster_finds_the_crises_detect_finds(
    cluster: Cluster, cluster_store: Store, inbox: AlertInbox, demo_replay: tuple[Path, list[CrisisFact]]
) -> None:
    stream, expected = demo_replay
    assert expected, "the demo stream must open a crisis, or the comparison proves nothing"
    stored = store_mentions(cluster_store, cluster.workspace, stream)
    for role, count in (("listen", 1), ("analyze", 2), ("detect", 2), ("respond", 1)):
        cluster.start(role, count)

    state = drain(cluster_store, cluster, stored, timeout=150)

    assert stored_facts(cluster_store) == expected
    assert (state.stored, state.analysed, state.duplicates) == (stored, stored, 0)
    # One alert per crisis and severity reached, each delivered once to the one channel.
    assert sorted(inbox.titles) == sorted(set(inbox.titles))
    assert len(inbox.titles) == len({(key, severity) for key, _, severity, _ in expected})
