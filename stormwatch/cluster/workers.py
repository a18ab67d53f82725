"""The four roles' main loops (asyncio; database and model work runs in threads so that lease
renewal never waits behind a batch)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from stormwatch.alerting.service import Sender, send_with_apprise
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import TextJudge
from stormwatch.cluster import metrics
from stormwatch.cluster.bus import (
    ANALYSIS_CONSUMER,
    analysis_consumer_config,
    connect,
    ensure_streams,
    lease_bucket,
)
from stormwatch.cluster.codec import Analysed, StoredMention, decode_stored, encode_analysed, encode_stored
from stormwatch.cluster.config import MAX_ANALYSIS_LAG, ClusterSettings
from stormwatch.cluster.detect import SNAPSHOT_EVERY_SECONDS, PartitionOwner
from stormwatch.cluster.leases import Leases, assignment, leader_lease, new_owner_id, partition_lease
from stormwatch.cluster.relay import FULL_SCAN_SECONDS, LOOK_BACK_IDS, mark_published, unpublished
from stormwatch.cluster.respond import deliver_claimed, fail_interrupted
from stormwatch.store.db import Store

log = logging.getLogger(__name__)

RELAY_BATCH = 1000
ANALYSIS_BATCH = 256
RESPONSE_TICK_SECONDS = 10.0


@dataclass
class Worker:
    settings: ClusterSettings
    role: str
    owner: str = ""
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.owner = self.owner or new_owner_id(self.role)

    def install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self.stop.set)

    async def idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)


async def _lead(worker: Worker, leases: Leases, name: str, on_gain: Callable[[], Awaitable[None]]) -> None:
    """Keep (or try to take) the leadership ``name`` until the worker stops."""
    while not worker.stop.is_set():
        had = name in leases.held
        has = await (leases.renew(name) if had else leases.acquire(name))
        if has and not had:
            await on_gain()
        metrics.LEADER.labels(worker.role).set(1 if has else 0)
        await worker.idle(worker.settings.lease_seconds / 3)
    await leases.release(name)


async def run_listen(worker: Worker, store: Store) -> None:
    """Relay stored mentions to the stored stream (one leader at a time)."""
    settings = worker.settings
    client, js = await connect(settings)
    await ensure_streams(js, settings)
    leases = Leases(await lease_bucket(js, settings), worker.owner)
    name = leader_lease("relay")

    async def nothing() -> None:
        return None

    leading = asyncio.create_task(_lead(worker, leases, name, nothing))
    highest, full_scan_at = 0, 0.0
    try:
        while not worker.stop.is_set():
            if name not in leases.held or await _analysis_backlog(js, settings) > MAX_ANALYSIS_LAG:
                await worker.idle(0.2)  # back-pressure: analysis is far behind, wait for it
                continue
            above = max(0, highest - LOOK_BACK_IDS)
            if time.monotonic() - full_scan_at >= FULL_SCAN_SECONDS:
                above, full_scan_at = 0, time.monotonic()
            batch = await asyncio.to_thread(unpublished, store, RELAY_BATCH, above)
            if not batch:
                await worker.idle(0.2)
                continue
            futures = []
            for item in batch:
                subject = settings.stored_subject(
                    settings.partition_of(item.workspace_id, item.mention.brand or "")
                )
                futures.append(
                    await js.publish_async(
                        subject,
                        encode_stored(item),
                        headers={"Nats-Msg-Id": f"m{item.mention_id}"},
                    )
                )
            acks = await asyncio.gather(*futures)
            published = [(item.mention_id, ack.seq) for item, ack in zip(batch, acks, strict=True)]
            highest = max(highest, batch[-1].mention_id)
            await asyncio.to_thread(mark_published, store, published)
            metrics.PROCESSED.labels("listen").inc(len(published))
    finally:
        worker.stop.set()
        await leading
        await client.close()


async def _analysis_backlog(js: JetStreamContext, settings: ClusterSettings) -> int:
    try:
        info = await js.consumer_info(settings.stored_stream, ANALYSIS_CONSUMER)
    except NotFoundError:
        return 0  # no analysis worker has started yet: nothing to wait for
    backlog = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
    metrics.LAG.labels("analyze").set(backlog)
    return backlog


async def run_analyze(worker: Worker, judge: TextJudge, batch_size: int = ANALYSIS_BATCH) -> None:
    """Take mentions from the shared durable consumer, judge them, publish the results, then ack.

    The three overlap: while one batch is judged (in a thread), the next is fetched and the previous
    one's results are published and acked. Done one after the other, a worker sat idle for a third of
    its time waiting on the server's answers (bench/cluster/run.py: one worker 1,320 -> 1,615/s)."""
    settings = worker.settings
    client, js = await connect(settings)
    await ensure_streams(js, settings)
    sub = await js.pull_subscribe(
        settings.stored_subject("*"),
        durable=ANALYSIS_CONSUMER,
        stream=settings.stored_stream,
        config=analysis_consumer_config(),
    )
    last_lag = 0.0
    handing_on: asyncio.Task[None] | None = None
    fetching = asyncio.create_task(_fetch(sub, batch_size))
    try:
        while not worker.stop.is_set():
            messages = await fetching
            fetching = asyncio.create_task(_fetch(sub, batch_size))
            if not messages:
                continue
            items = [decode_stored(message.data) for message in messages]
            texts = [item.mention.text for item in items]
            langs = [item.mention.lang for item in items]
            judgements = await asyncio.to_thread(judge.judge, texts, langs)
            if handing_on is not None:
                await handing_on
            handing_on = asyncio.create_task(_hand_on(js, settings, messages, items, judgements))
            if time.monotonic() - last_lag > 2:
                last_lag = time.monotonic()
                await _analysis_backlog(js, settings)
    finally:
        if handing_on is not None:
            await handing_on
        # A batch fetched but not judged goes back at once rather than after the ack wait.
        with contextlib.suppress(Exception):
            for message in await fetching:
                await message.nak()
        await client.close()


async def _fetch(sub: JetStreamContext.PullSubscription, batch_size: int) -> list[Msg]:
    try:
        return await sub.fetch(batch_size, timeout=1)
    except (NatsTimeout, TimeoutError):  # nats-py raises either when nothing came
        return []


async def _hand_on(
    js: JetStreamContext,
    settings: ClusterSettings,
    messages: list[Msg],
    items: list[StoredMention],
    judgements: list[TextJudgement],
) -> None:
    """Publish a batch's results, then ack its mentions."""
    futures = []
    for message, item, judgement in zip(messages, items, judgements, strict=True):
        seq = message.metadata.sequence.stream
        partition = message.subject.rsplit(".", 1)[-1]
        result = Analysed(seq, item.mention_id, judgement)
        futures.append(
            await js.publish_async(
                settings.analysed_subject(partition),
                encode_analysed(result),
                headers={"Nats-Msg-Id": f"a{seq}"},
            )
        )
    await asyncio.gather(*futures)
    # Acked only once every result is on the analysed stream: a worker killed before this point has
    # its mentions redelivered, and their repeated results are de-duplicated.
    await asyncio.gather(*(message.ack() for message in messages))
    metrics.PROCESSED.labels("analyze").inc(len(messages))


async def run_detect(worker: Worker, store: Store, snapshot_every: float = SNAPSHOT_EVERY_SECONDS) -> None:
    """Own the partitions this worker is assigned (and can lease); process them in stream order."""
    settings = worker.settings
    client, js = await connect(settings)
    await ensure_streams(js, settings)
    leases = Leases(await lease_bucket(js, settings), worker.owner)
    owned: dict[int, PartitionOwner] = {}
    lost: set[int] = set()
    next_round = 0.0

    async def drop(partition: int) -> None:
        owner = owned.pop(partition, None)
        if owner is not None:
            await owner.close()
        await leases.release(partition_lease(partition))
        lost.discard(partition)

    async def keep_leases() -> None:
        while not worker.stop.is_set():
            await leases.heartbeat("detect")
            for partition in list(owned):
                if not await leases.renew(partition_lease(partition)):
                    lost.add(partition)
            await worker.idle(settings.lease_seconds / 3)

    keeper = asyncio.create_task(keep_leases())
    try:
        while not worker.stop.is_set():
            for partition in list(lost):
                log.warning("partition %d: lease lost, dropping it", partition)
                await drop(partition)
            if time.monotonic() >= next_round:
                next_round = time.monotonic() + settings.lease_seconds / 3
                await _rebalance(worker, js, store, leases, owned, drop, snapshot_every)
            busy = 0
            for partition, owner in list(owned.items()):
                try:
                    busy += await owner.step()
                except Exception:
                    # The in-memory state may hold part of an uncommitted batch: start again from
                    # the stored snapshot and position (a PositionMoved means another owner has it).
                    log.exception("partition %d: step failed; handing it back", partition)
                    await drop(partition)
            if owned and time.monotonic() - getattr(run_detect, "_lag_at", 0.0) > 2:
                run_detect._lag_at = time.monotonic()  # type: ignore[attr-defined]
                lag = sum([await owner.lag() for owner in owned.values()])
                metrics.LAG.labels("detect").set(lag)
            if not busy:
                await worker.idle(0.05)
    finally:
        worker.stop.set()
        await keeper
        for partition, owner in list(owned.items()):
            if not lost:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(owner.snapshot)
            await drop(partition)
        await client.close()


async def _rebalance(
    worker: Worker,
    js: JetStreamContext,
    store: Store,
    leases: Leases,
    owned: dict[int, PartitionOwner],
    drop: Callable[[int], Awaitable[None]],
    snapshot_every: float,
) -> None:
    """Release what another live worker should own (a joiner), take what is mine and free."""
    settings = worker.settings
    members = await leases.members("detect")
    if worker.owner not in members:
        members.append(worker.owner)
    wanted = assignment(members, settings.partitions)
    for partition in list(owned):
        if wanted.get(partition) != worker.owner:
            log.info("partition %d: handing over to %s", partition, wanted.get(partition))
            with contextlib.suppress(Exception):
                await asyncio.to_thread(owned[partition].snapshot)  # the next owner replays less
            await drop(partition)
    for partition, member in wanted.items():
        if member != worker.owner or partition in owned:
            continue
        if await leases.acquire(partition_lease(partition)):
            owner = PartitionOwner(js, store, settings, partition)
            owner.snapshot_every = snapshot_every
            try:
                await owner.open()
            except Exception:
                log.exception("partition %d: could not open", partition)
                await leases.release(partition_lease(partition))
                continue
            owned[partition] = owner
    metrics.OWNED.set(len(owned))


async def run_respond(
    worker: Worker, store: Store, playbooks_dir: str | None, send: Sender = send_with_apprise
) -> None:
    """One leader sends alerts (claim, send, mark) and runs the response clock (pages, deadlines)."""
    from stormwatch.playbook.loader import PlaybookLibrary
    from stormwatch.response.service import tick

    settings = worker.settings
    client, js = await connect(settings)
    leases = Leases(await lease_bucket(js, settings), worker.owner)
    name = leader_lease("respond")
    library = PlaybookLibrary.load(playbooks_dir) if playbooks_dir else PlaybookLibrary.load()

    async def on_gain() -> None:
        await asyncio.to_thread(fail_interrupted, store)

    leading = asyncio.create_task(_lead(worker, leases, name, on_gain))
    last_tick = 0.0
    try:
        while not worker.stop.is_set():
            if name in leases.held:
                sent, _ = await asyncio.to_thread(deliver_claimed, store, send)
                metrics.PROCESSED.labels("respond").inc(sent)
                if time.monotonic() - last_tick >= RESPONSE_TICK_SECONDS:
                    last_tick = time.monotonic()
                    await asyncio.to_thread(tick, store, library, None, send)
            await worker.idle(0.5)
    finally:
        worker.stop.set()
        await leading
        await client.close()
