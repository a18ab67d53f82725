"""The recorded demo stream through the cluster (2 analysis + 2 detection workers as processes,
over the real NATS JetStream and PostgreSQL) gives the crises ``stormwatch detect`` gives."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

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
    metrics_port = free_port()
    cluster.extra["detect"] = ["--metrics-port", str(metrics_port)]
    for role, count in (("listen", 1), ("analyze", 2), ("detect", 2), ("respond", 1)):
        cluster.start(role, count)

    state = drain(cluster_store, cluster, stored, timeout=150)

    assert stored_facts(cluster_store) == expected
    assert (state.stored, state.analysed, state.duplicates) == (stored, stored, 0)
    # One alert per crisis and severity reached, each delivered once to the one channel.
    assert sorted(inbox.titles) == sorted(set(inbox.titles))
    assert len(inbox.titles) == len({(key, severity) for key, _, severity, _ in expected})
    # The first detection worker's Prometheus endpoint: what it processed and its lag.
    metrics = urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
    assert 'stormwatch_cluster_consumer_lag{stage="detect"}' in metrics
    assert "stormwatch_cluster_partitions_owned" in metrics
    processed = [
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith('stormwatch_cluster_mentions_processed_total{stage="detect"}')
    ]
    assert processed and 0 < processed[0] <= stored
    status = subprocess.run(
        [sys.executable, "-m", "stormwatch", "status", "--database", cluster.database_url, *cluster.common()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert (
        f"cluster: {stored} mentions on the stream, analysis lag 0, detection lag 0, 2 detection workers"
        in status
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
