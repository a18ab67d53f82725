"""Prometheus metrics of the cluster's workers (served at /metrics by each worker process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

PROCESSED = Counter(
    "stormwatch_cluster_mentions_processed", "Mentions a stage finished (committed or acked)", ["stage"]
)
REPLAYED = Counter(
    "stormwatch_cluster_mentions_replayed",
    "Mentions re-run through the detectors only (after a takeover)",
    ["stage"],
)
DUPLICATES = Counter(
    "stormwatch_cluster_duplicates_dropped", "Redelivered or republished mentions dropped", ["stage"]
)
LAG = Gauge("stormwatch_cluster_consumer_lag", "Messages waiting for this worker's stage", ["stage"])
OWNED = Gauge("stormwatch_cluster_partitions_owned", "Detection partitions this worker owns")
LEADER = Gauge("stormwatch_cluster_leader", "1 while this worker leads its role", ["role"])
SNAPSHOT_BYTES = Gauge(
    "stormwatch_cluster_snapshot_bytes", "Size of the last detector snapshot", ["partition"]
)


def serve(port: int | None) -> None:
    """Serve /metrics on ``port`` (0: any free port; None: not at all)."""
    if port is not None:
        start_http_server(port, addr="127.0.0.1")
