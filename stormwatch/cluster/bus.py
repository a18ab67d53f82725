"""The JetStream side: connecting, declaring the streams, consumers and the lease bucket."""

from __future__ import annotations

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError
from nats.js.kv import KeyValue

from stormwatch.cluster.config import DUPLICATE_WINDOW, MAX_ACK_PENDING, RETENTION_SECONDS, ClusterSettings

ANALYSIS_CONSUMER = "analyze"


async def connect(settings: ClusterSettings) -> tuple[Client, JetStreamContext]:
    client = await nats.connect(settings.nats_url, name=f"stormwatch-{settings.prefix}")
    return client, client.jetstream(timeout=10)


def stream_configs(settings: ClusterSettings) -> list[StreamConfig]:
    """Both streams keep every message for the retention time (limits, not work-queue): a new
    detection owner replays its tail from them, and a new consumer can be added at any time."""
    return [
        StreamConfig(
            name=name,
            subjects=[subject],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=RETENTION_SECONDS,
            duplicate_window=DUPLICATE_WINDOW,
            num_replicas=settings.replicas,
            discard=DiscardPolicy.OLD,
        )
        for name, subject in (
            (settings.stored_stream, settings.stored_subject("*")),
            (settings.analysed_stream, settings.analysed_subject("*")),
        )
    ]


async def ensure_streams(js: JetStreamContext, settings: ClusterSettings) -> None:
    for config in stream_configs(settings):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)


async def lease_bucket(js: JetStreamContext, settings: ClusterSettings) -> KeyValue:
    """Leases live in a key-value bucket whose entries expire: an owner that stops renewing loses them."""
    try:
        return await js.key_value(settings.lease_bucket)
    except (NotFoundError, Exception):  # nats-py raises BucketNotFoundError, a NotFoundError
        return await js.create_key_value(
            bucket=settings.lease_bucket, ttl=settings.lease_seconds, history=1, replicas=settings.replicas
        )


def analysis_consumer_config() -> ConsumerConfig:
    """The analysis workers' shared durable consumer: at most MAX_ACK_PENDING mentions in flight."""
    return ConsumerConfig(
        durable_name=ANALYSIS_CONSUMER,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=30,
        max_ack_pending=MAX_ACK_PENDING,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=-1,
    )


def replay_consumer_config(start_seq: int) -> ConsumerConfig:
    """An ephemeral reader from ``start_seq``: the position is kept in PostgreSQL with the effects."""
    return ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=max(start_seq, 1), inactive_threshold=60
    )
