"""Leases against the real NATS JetStream server: compare-and-set and expiry."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from stormwatch.cluster.bus import connect, lease_bucket
from stormwatch.cluster.config import ClusterSettings
from stormwatch.cluster.leases import Leases
from tests.cluster.harness import NATS_URL

pytestmark = pytest.mark.slow


def test_one_owner_at_a_time_and_a_dead_owner_loses_the_lease() -> None:
    async def scenario() -> None:
        settings = ClusterSettings(nats_url=NATS_URL, prefix=f"t{uuid.uuid4().hex[:10]}", lease_seconds=1.0)
        client, js = await connect(settings)
        try:
            kv = await lease_bucket(js, settings)
            first, second = Leases(kv, "first"), Leases(kv, "second")
            assert await first.acquire("partition.0")
            assert not await second.acquire("partition.0")
            assert await first.renew("partition.0")
            assert await first.holder("partition.0") == "first"
            await asyncio.sleep(1.6)  # first stops renewing (as if killed): the key expires
            assert await second.acquire("partition.0")
            assert not await first.renew("partition.0"), "a deposed owner's renewal must fail"
            await second.release("partition.0")
            assert await first.acquire("partition.0")
        finally:
            await js.delete_key_value(settings.lease_bucket)
            await client.close()

    asyncio.run(scenario())
