"""Names and sizes shared by every role: streams, subjects, buckets, partitions."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_PREFIX = "stormwatch"
DEFAULT_PARTITIONS = 8
# Seconds a lease lives without renewal: a dead owner's partitions move after at most this long.
DEFAULT_LEASE_SECONDS = 6.0
# Bounded in-flight work: how many mentions the analysis consumer hands out before acks come back,
# and how far the relay may run ahead of analysis before it waits (back-pressure, not data loss).
MAX_ACK_PENDING = 2048
MAX_ANALYSIS_LAG = 20_000
# Nats-Msg-Id de-duplication window of the streams (seconds): a publish retried within it is dropped.
DUPLICATE_WINDOW = 120.0
RETENTION_SECONDS = 8 * 24 * 3600  # the detectors' seven days of history plus a day


@dataclass(frozen=True)
class ClusterSettings:
    nats_url: str = DEFAULT_NATS_URL
    prefix: str = DEFAULT_PREFIX  # one per deployment: parallel test runs use their own
    partitions: int = DEFAULT_PARTITIONS
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    replicas: int = 1  # 3 on a three-server NATS cluster (docs/deployment.md)

    @property
    def stored_stream(self) -> str:
        return f"{self._name}_STORED"

    @property
    def analysed_stream(self) -> str:
        return f"{self._name}_ANALYSED"

    @property
    def lease_bucket(self) -> str:
        return f"{self._name}_leases"

    @property
    def _name(self) -> str:
        return self.prefix.replace(".", "_").replace("-", "_").upper()

    def stored_subject(self, partition: int | str) -> str:
        return f"{self.prefix}.mentions.stored.{partition}"

    def analysed_subject(self, partition: int | str) -> str:
        return f"{self.prefix}.mentions.analysed.{partition}"

    def partition_of(self, workspace_id: int, brand: str) -> int:
        return partition_of(workspace_id, brand, self.partitions)

    def position_key(self, partition: int) -> str:
        """The PostgreSQL row of a partition's position and snapshot."""
        return f"{self.prefix}/{partition}"


def partition_of(workspace_id: int, brand: str, partitions: int) -> int:
    """A brand's partition: stable across processes and restarts (Python's hash() is salted)."""
    return zlib.crc32(f"{workspace_id}:{brand}".encode()) % partitions
