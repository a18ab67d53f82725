"""Leases in a JetStream key-value bucket: who owns a detection partition, who leads a role.

A lease is a key whose value names its owner. It is taken with ``create`` (only if absent) and
renewed with ``update`` against the revision the owner last wrote (compare-and-set), so two workers
can never both renew it; the bucket's TTL drops a key nobody renews, which is how a dead owner's
work moves on. The stores' own compare-and-set (``cluster_partitions``) fences an owner that lost
its lease while paused: its late commit finds the position moved and is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

from nats.js.errors import APIError, KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)
MEMBER_PREFIX = "member"


def new_owner_id(role: str) -> str:
    """Unique per process and readable in logs; only characters a KV key may hold."""
    host = "".join(c if c.isalnum() else "-" for c in socket.gethostname())[:40]
    return f"{role}-{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def partition_lease(partition: int) -> str:
    return f"partition.{partition}"


def leader_lease(role: str) -> str:
    return f"leader.{role}"


def assignment(members: list[str], partitions: int) -> dict[int, str]:
    """Which live member should own each partition: round robin over the sorted members, so every
    worker computes the same answer and a joining worker takes its share from the others."""
    ordered = sorted(members)
    return (
        {partition: ordered[partition % len(ordered)] for partition in range(partitions)} if ordered else {}
    )


class Leases:
    def __init__(self, kv: KeyValue, owner: str) -> None:
        self.kv = kv
        self.owner = owner
        self.held: dict[str, int] = {}  # lease name -> revision this owner last wrote

    async def acquire(self, name: str) -> bool:
        if name in self.held:
            return await self.renew(name)
        try:
            self.held[name] = await self.kv.create(name, self.owner.encode())
        except KeyWrongLastSequenceError:
            return False
        log.info("%s took lease %s", self.owner, name)
        return True

    async def renew(self, name: str) -> bool:
        revision = self.held.get(name)
        if revision is None:
            return False
        try:
            self.held[name] = await self.kv.update(name, self.owner.encode(), last=revision)
        except (KeyWrongLastSequenceError, KeyNotFoundError):
            self.held.pop(name, None)
            log.warning("%s lost lease %s", self.owner, name)
            return False
        return True

    async def release(self, name: str) -> None:
        revision = self.held.pop(name, None)
        if revision is None:
            return
        # Already expired or taken: nothing of ours to release.
        # (A delete against a stale revision comes back as the server's "wrong last sequence".)
        with contextlib.suppress(KeyWrongLastSequenceError, KeyNotFoundError, APIError):
            await self.kv.delete(name, last=revision)
        log.info("%s released lease %s", self.owner, name)

    async def heartbeat(self, role: str) -> None:
        """Say this worker is alive (the key expires with the bucket's TTL when it stops)."""
        await self.kv.put(f"{MEMBER_PREFIX}.{role}.{self.owner}", b"1")

    async def members(self, role: str) -> list[str]:
        prefix = f"{MEMBER_PREFIX}.{role}."
        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return []
        return [key[len(prefix) :] for key in keys if key.startswith(prefix)]

    async def holder(self, name: str) -> str | None:
        try:
            entry = await self.kv.get(name)
        except KeyNotFoundError:
            return None
        return entry.value.decode() if entry.value else None
