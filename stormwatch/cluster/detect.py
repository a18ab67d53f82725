"""Detection workers: each partition of brands has one owner, which restores the partition's
snapshot, replays the tail of the streams after it, and commits effects with its stream position.

Exactly-once effects: the position (stored seq, analysed seq) is advanced in the same transaction
as the enrichments, crises, signals and alert outbox rows, with a compare-and-set on the previous
position. A redelivery or a new owner re-running mentions the store already covers runs them through
the detectors only (to rebuild their state) and writes nothing; a deposed owner's late commit is
refused. Alerts are queued in that transaction and sent by the one ``respond`` leader.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.cluster import metrics
from stormwatch.cluster.bus import replay_consumer_config
from stormwatch.cluster.codec import StoredMention, decode_analysed, decode_stored
from stormwatch.cluster.config import ClusterSettings
from stormwatch.cluster.models import PartitionPosition
from stormwatch.cluster.reorder import Ready, Reorder
from stormwatch.crisis.models import Crisis
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store

log = logging.getLogger(__name__)

FETCH = 1024
# Short: a worker visits its partitions in turn, and an idle one must not hold up a busy one.
FETCH_WAIT = 0.02
BATCH = 2048  # mentions per commit, as the single-process service batches
SNAPSHOT_EVERY_SECONDS = 30.0


class PositionMoved(Exception):
    """Another owner committed this partition since this one read its position: stop owning it."""


@dataclass
class Position:
    stored_seq: int = 0
    analysed_seq: int = 1
    snapshot: bytes | None = None
    snapshot_stored_seq: int = 0
    snapshot_analysed_seq: int = 1


def load_position(store: Store, key: str) -> Position:
    with store.session() as session:
        row = session.get(PartitionPosition, key)
        if row is None:
            session.add(PartitionPosition(key=key, stored_seq=0, analysed_seq=1))
            return Position()
        return Position(
            row.stored_seq,
            row.analysed_seq,
            row.snapshot,
            row.snapshot_stored_seq,
            row.snapshot_analysed_seq,
        )


def advance(session: Session, key: str, before: int, stored_seq: int, analysed_seq: int, **more: Any) -> None:
    """Compare-and-set of the partition's position inside the caller's transaction."""
    moved = session.execute(
        update(PartitionPosition)
        .where(PartitionPosition.key == key, PartitionPosition.stored_seq == before)
        .values(stored_seq=stored_seq, analysed_seq=analysed_seq, updated_at=datetime.now(UTC), **more)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise PositionMoved(key)


@dataclass
class PartitionState:
    """The detectors of one partition: a LivePipeline per workspace (brands of several agencies'
    workspaces may hash to the same partition), each only ever fed its own workspace's mentions."""

    store: Store
    pipelines: dict[int, LivePipeline] = field(default_factory=dict)
    replay_floor: datetime | None = None  # while replaying: crises opened from here on are ours

    def pipeline(self, workspace_id: int) -> LivePipeline:
        live = self.pipelines.get(workspace_id)
        if live is None:
            live = self.pipelines[workspace_id] = LivePipeline(self.store, _NoJudge(), workspace_id)
            self._hook(workspace_id, live)
        return live

    def _hook(self, workspace_id: int, live: LivePipeline) -> None:
        live.pipeline.crises.key_taken = self._key_taken(workspace_id)

    def _key_taken(self, workspace_id: int) -> Callable[[str], bool]:
        def taken(key: str) -> bool:
            query = select(Crisis.id).where(Crisis.workspace_id == workspace_id, Crisis.key == key)
            if self.replay_floor is not None:
                # A replay re-opens the crises the previous owner opened: their keys are not taken.
                query = query.where(Crisis.opened_at < self.replay_floor)
            with self.store.session() as session:
                return session.scalar(query) is not None

        return taken

    def dump(self) -> bytes:
        """The detector state (detectors, crises, near-duplicate groups) without its store hooks."""
        state = {
            workspace_id: (
                live.pipeline.detection._detectors,
                live.pipeline.detection._seen,
                live.pipeline.detection._gaps,
                _crisis_state(live),
                live.pipeline.analyzer._duplicates,
            )
            for workspace_id, live in self.pipelines.items()
        }
        return zlib.compress(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), 1)

    def load(self, blob: bytes) -> None:
        # Only this deployment's own workers write snapshots into its own database.
        state = pickle.loads(zlib.decompress(blob))
        for workspace_id, (detectors, seen, gaps, crises, duplicates) in state.items():
            live = self.pipeline(workspace_id)
            live.pipeline.detection._detectors = detectors
            live.pipeline.detection._seen = seen
            live.pipeline.detection._gaps = gaps
            manager = live.pipeline.crises
            manager.crises, manager.recently_closed, manager.gaps = crises
            live.pipeline.analyzer._duplicates = duplicates


def _crisis_state(live: LivePipeline) -> tuple[Any, Any, Any]:
    manager = live.pipeline.crises
    return manager.crises, manager.recently_closed, manager.gaps


class _NoJudge:
    """Detection workers never judge texts: analysis workers did, and their results arrive."""

    def judge(self, texts: Any, langs: Any = None) -> Any:
        raise RuntimeError("detection workers do not analyse texts")


class PartitionOwner:
    """One owned partition: its readers, its reorder buffer and its detectors."""

    def __init__(self, js: JetStreamContext, store: Store, settings: ClusterSettings, partition: int) -> None:
        self.js, self.store, self.settings, self.partition = js, store, settings, partition
        self.key = settings.position_key(partition)
        self.state = PartitionState(store)
        self.position = Position()
        self.reorder = Reorder(0, 1)
        self.replay_until = 0
        self.last_snapshot = time.monotonic()
        self.snapshot_every = SNAPSHOT_EVERY_SECONDS
        self._stored_sub: Any = None
        self._analysed_sub: Any = None

    async def open(self) -> None:
        self.position = await asyncio.to_thread(load_position, self.store, self.key)
        if self.position.snapshot is not None:
            await asyncio.to_thread(self.state.load, self.position.snapshot)
            start_stored, start_analysed = (
                self.position.snapshot_stored_seq,
                self.position.snapshot_analysed_seq,
            )
        else:
            start_stored, start_analysed = 0, 1
        self.replay_until = self.position.stored_seq
        self.reorder = Reorder(start_stored, start_analysed)
        self._stored_sub = await self._reader(self.settings.stored_subject(self.partition), start_stored + 1)
        self._analysed_sub = await self._reader(
            self.settings.analysed_subject(self.partition), start_analysed
        )
        log.info(
            "partition %d: resumed from snapshot at seq %d, effects committed to seq %d",
            self.partition,
            start_stored,
            self.replay_until,
        )

    async def close(self) -> None:
        for sub in (self._stored_sub, self._analysed_sub):
            if sub is not None:
                try:
                    await sub.unsubscribe()
                except Exception:  # the connection may be going away too
                    log.debug("unsubscribe failed", exc_info=True)

    async def lag(self) -> int:
        """Stored mentions of this partition not yet read, plus those read and waiting."""
        info = await self._stored_sub.consumer_info()
        return int(info.num_pending or 0) + int(self._stored_sub.pending_msgs) + self.reorder.waiting

    async def step(self) -> int:
        """Read what is there, process what is ready; returns how many mentions were processed."""
        await self._read()
        ready = self.reorder.ready(BATCH)
        if not ready:
            return 0
        await asyncio.to_thread(self._process, ready)
        if time.monotonic() - self.last_snapshot >= self.snapshot_every:
            await asyncio.to_thread(self.snapshot)
        return len(ready)

    async def _reader(self, subject: str, start_seq: int) -> Any:
        """An ordered consumer from ``start_seq``: in order, gap-checked and re-created by the client
        when a message goes missing, with flow control; the position itself lives in PostgreSQL."""
        stream = self.settings.stored_stream if ".stored." in subject else self.settings.analysed_stream
        return await self.js.subscribe(
            subject, stream=stream, ordered_consumer=True, config=replay_consumer_config(start_seq)
        )

    async def _read(self) -> None:
        for sub, add in ((self._stored_sub, self._add_stored), (self._analysed_sub, self._add_result)):
            for message in await _drain(sub, FETCH):
                add(message.metadata.sequence.stream, message.data)

    def _add_stored(self, seq: int, data: bytes) -> None:
        self.reorder.add_stored(seq, decode_stored(data))

    def _add_result(self, seq: int, data: bytes) -> None:
        self.reorder.add_result(seq, decode_analysed(data))

    def _process(self, ready: list[Ready]) -> None:
        replayed = [item for item in ready if item[0] <= self.replay_until]
        fresh = [item for item in ready if item[0] > self.replay_until]
        if replayed:
            if self.state.replay_floor is None:
                self.state.replay_floor = min(item.mention.created_at for _, item, _ in replayed)
            for workspace_id, items in _by_workspace(replayed).items():
                live = self.state.pipeline(workspace_id)
                live.pipeline.act_on(live.pipeline.analyzer.attach(*_unzip(items)))
            metrics.REPLAYED.labels("detect").inc(len(replayed))
        if fresh:
            self.state.replay_floor = None  # the replay is over: keys are checked as usual
            self._commit(fresh)

    def _commit(self, fresh: list[Ready]) -> None:
        last_seq = fresh[-1][0]
        resume = self.reorder.resume_analysed_seq()
        with self.store.session() as session:
            done = _already_applied(session, [item.mention_id for _, item, _ in fresh])
            todo = [item for item in fresh if item[1].mention_id not in done]
            for workspace_id, items in _by_workspace(todo).items():
                live = self.state.pipeline(workspace_id)
                live.forget_closed_crises(session)
                result = live.pipeline.act_on(live.pipeline.analyzer.attach(*_unzip(items)))
                stored_ids = {_identity(item): item.mention_id for _, item, _ in items}
                live.store_result(session, result, stored_ids)
                for crisis_update in result.updates:
                    log.info(
                        "crisis %s %s: severity %d",
                        crisis_update.crisis_key,
                        crisis_update.kind,
                        crisis_update.severity,
                    )
            advance(session, self.key, self.position.stored_seq, last_seq, resume)
        self.position.stored_seq, self.position.analysed_seq = last_seq, resume
        self.replay_until = last_seq
        metrics.PROCESSED.labels("detect").inc(len(todo))
        metrics.DUPLICATES.labels("detect").inc(len(fresh) - len(todo))

    def snapshot(self) -> None:
        """Store the detector state with the positions it covers (the ones just committed)."""
        blob = self.state.dump()
        with self.store.session() as session:
            advance(
                session,
                self.key,
                self.position.stored_seq,
                self.position.stored_seq,
                self.position.analysed_seq,
                snapshot=blob,
                snapshot_stored_seq=self.position.stored_seq,
                snapshot_analysed_seq=self.position.analysed_seq,
                snapshot_at=datetime.now(UTC),
            )
        self.last_snapshot = time.monotonic()
        metrics.SNAPSHOT_BYTES.labels(str(self.partition)).set(len(blob))
        log.info(
            "partition %d: snapshot at seq %d (%d bytes)", self.partition, self.position.stored_seq, len(blob)
        )


async def _drain(sub: Any, limit: int) -> list[Any]:
    """What the subscription holds now (waiting briefly for the first message), up to ``limit``."""
    messages: list[Any] = []
    try:
        messages.append(await sub.next_msg(timeout=FETCH_WAIT))
        while len(messages) < limit and sub.pending_msgs > 0:
            messages.append(await sub.next_msg(timeout=1))
    except (NatsTimeout, TimeoutError):  # nats-py raises either when nothing came
        pass
    return messages


def _already_applied(session: Session, mention_ids: list[int]) -> set[int]:
    """Mentions the store already holds results for: a duplicate publish the stream's window missed."""
    if not mention_ids:
        return set()
    rows = session.scalars(select(Enrichment.mention_id).where(Enrichment.mention_id.in_(mention_ids)))
    return set(rows)


def _by_workspace(items: list[Ready]) -> dict[int, list[Ready]]:
    grouped: dict[int, list[Ready]] = {}
    for item in items:
        grouped.setdefault(item[1].workspace_id, []).append(item)
    return grouped


def _unzip(items: list[Ready]) -> tuple[list[Any], list[Any]]:
    return [item.mention for _, item, _ in items], [result.judgement for _, _, result in items]


def _identity(item: StoredMention) -> tuple[str, str, str]:
    return (item.mention.brand or "", item.mention.source, item.mention.external_id)
