"""The live service: stored mentions through the pipeline, results stored, alerts sent.

A mention is pending until its enrichment is stored; enrichments, signals, crisis changes and the
alerts they call for are written in one transaction per batch, so a crash either keeps a batch
whole or leaves it pending for the next run. The in-memory detector state and near-duplicate index
are rebuilt at start from the recent stored history (:meth:`LivePipeline.warm_up`), which makes them
survive restarts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, Select, Table, func, insert, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from stormwatch.alerting.service import Sender, deliver_pending, queue_alerts, send_with_apprise
from stormwatch.analysis.corrections import latest_correction_id, workspace_corrections
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import CorrectableJudge, EnrichedMention, TextJudge
from stormwatch.crisis.manager import CrisisManager, OpenCrisis
from stormwatch.crisis.models import Crisis
from stormwatch.crisis.service import open_crises, record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.gaps import COVERAGE_GAP, CoverageGap
from stormwatch.detection.models import SignalRecord
from stormwatch.detection.signal import Signal
from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.models import Mention, SetAsideMention, plausibly_dated
from stormwatch.pipeline import BATCH_SIZE as REPLAY_BATCH_SIZE
from stormwatch.pipeline import Pipeline, StageError, StepResult
from stormwatch.stats import service as hourly_counts
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import brand_settings, find_brand

log = logging.getLogger(__name__)

WARM_UP_HISTORY = timedelta(days=7)
# A pending mention: its stored id and the value the pipeline takes.
Pending = tuple[int, MentionIn]
PENDING_NAMES = (
    "source",
    "external_id",
    "text",
    "created_at",
    "author",
    "author_followers",
    "url",
    "lang",
    "likes",
    "shares",
    "comments",
    "reply_to",
)
PENDING_FIELDS = [getattr(Mention, name) for name in PENDING_NAMES]
ENRICHMENTS: Table = Enrichment.__table__  # type: ignore[assignment]  # a declarative class's Table
# The replay's batch size: the live service and ``detect`` batch alike, and large batches spread the
# models' fixed per-batch work (the backlog drains at the analysers' full speed).
BATCH_SIZE = REPLAY_BATCH_SIZE
# Failures of the database itself (connection lost, locked): no record is to blame, so nothing is set
# aside; the batch stays pending and the service retries it on its next round.
NOT_THE_RECORDS_FAULT = (OperationalError, InterfaceError)


@dataclass
class BatchOutcome:
    """What one step of the live pipeline did."""

    processed: int = 0  # mentions analysed and stored
    set_aside: int = 0  # mentions that failed and were set aside with their reason
    updates: list[CrisisUpdate] = field(default_factory=list)

    def __add__(self, other: BatchOutcome) -> BatchOutcome:
        return BatchOutcome(
            self.processed + other.processed, self.set_aside + other.set_aside, self.updates + other.updates
        )


class LivePipeline:
    def __init__(
        self,
        store: Store,
        judge: TextJudge,
        workspace_id: int,
        *,
        on_update: Callable[[CrisisUpdate], None] | None = None,
        send: Sender = send_with_apprise,
    ) -> None:
        self.store = store
        self.workspace_id = workspace_id
        self.on_update = on_update
        self.send = send
        self._base_judge = judge
        self.pipeline = self._new_pipeline()
        self._corrections_seen: int | None = None
        # True while the in-memory state may hold mentions whose batch did not commit.
        self._stale = False
        # The open crises before the batch in progress: restored, not reloaded, after a failure (the
        # store keeps less of a crisis than the manager: its stories, terms and supported level).
        self._crises_before: dict[str, OpenCrisis] | None = None
        # The API and the background loop both push work; the pipeline's state is not thread-safe.
        self._lock = threading.Lock()

    def _new_pipeline(self) -> Pipeline:
        return Pipeline(self._base_judge, self._settings, CrisisManager(key_taken=self._key_taken))

    def _key_taken(self, key: str) -> bool:
        """Keys are unique per workspace, resolved crises included; other workspaces do not count."""
        with self.store.session() as session:
            taken = select(Crisis.id).where(Crisis.workspace_id == self.workspace_id, Crisis.key == key)
            return session.scalar(taken) is not None

    def warm_up(self, history: timedelta = WARM_UP_HISTORY) -> int:
        """Restore open crises, replay the recent analysed mentions into the detectors and index their
        near-duplicate groups (so that a copy arriving after the restart joins its original's group)."""
        with self.store.session() as session:
            if self._crises_before is not None:
                self.pipeline.crises.restore(list(self._crises_before.values()))
            else:
                self.pipeline.crises.restore(open_crises(session, self.workspace_id))
            # The newest *analysed* mention, within the times detection can use and not in the future:
            # one absurd date stored before validation caught it must not put the history window out
            # of range (year 1) or away from every real mention (2100); from it, ``latest - history``
            # cannot overflow.
            latest = session.scalar(
                select(func.max(Mention.created_at))
                .join(Enrichment, Enrichment.mention_id == Mention.id)
                .join(Brand)
                .where(Brand.workspace_id == self.workspace_id, plausibly_dated())
            )
            if latest is None:
                return 0
            rows = session.execute(
                select(Mention, Enrichment, Brand.name)
                .join(Enrichment, Enrichment.mention_id == Mention.id)
                .join(Brand, Brand.id == Mention.brand_id)
                .where(
                    Brand.workspace_id == self.workspace_id,
                    Mention.created_at >= latest - history,
                    Mention.created_at <= latest,
                )
                .order_by(Mention.created_at, Mention.id)
            ).all()
        history_mentions = [_enriched(mention, enrichment, brand) for mention, enrichment, brand in rows]
        for enriched in history_mentions:
            self.pipeline.detection.observe(enriched)
        self.pipeline.analyzer.remember(history_mentions)
        log.info("warmed up detectors and near-duplicate groups on %d stored mentions", len(rows))
        return len(rows)

    def process_pending(self, limit: int = BATCH_SIZE) -> list[CrisisUpdate]:
        """Process up to ``limit`` pending mentions; returns the crisis updates they caused."""
        return self.step(limit).updates

    def run_until_idle(self) -> list[CrisisUpdate]:
        """Process batches while any mention is pending (not only while crises change)."""
        updates: list[CrisisUpdate] = []
        while (outcome := self.step()).processed or outcome.set_aside:
            updates.extend(outcome.updates)
        return updates

    def step(self, limit: int = BATCH_SIZE) -> BatchOutcome:
        """One batch of the backlog, oldest first: analysed, detected on and stored in one transaction.

        A mention that fails (whatever the reason) is found by splitting the batch and set aside with
        its reason; the rest of the batch goes on."""
        with self._lock:
            if self._stale:
                self._rebuild()
            with self.store.session() as session:
                rows = [_pending_mention(row) for row in session.execute(self._pending(limit))]
            outcome = self._process_isolated(rows) if rows else BatchOutcome()
        if any(update.kind != "closed" for update in outcome.updates):
            deliver_pending(self.store, self.send)
        for update in outcome.updates:
            log.info("crisis %s %s: severity %d", update.crisis_key, update.kind, update.severity)
            if self.on_update:
                self.on_update(update)
        return outcome

    def _pending(self, limit: int) -> Select[Any]:
        # Columns rather than Mention objects: building thousands of ORM objects only to copy them
        # into MentionIn took a tenth of the drain time.
        return (
            select(Mention.id, Brand.name, *PENDING_FIELDS)
            .join(Brand, Brand.id == Mention.brand_id)
            .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
            .outerjoin(SetAsideMention, SetAsideMention.mention_id == Mention.id)
            .where(
                Brand.workspace_id == self.workspace_id,
                Enrichment.mention_id.is_(None),
                SetAsideMention.mention_id.is_(None),
            )
            .order_by(Mention.created_at, Mention.id)
            .limit(limit)
        )

    def _process_isolated(self, rows: list[Pending]) -> BatchOutcome:
        """Commit the batch; if it fails, split it until the failing mentions stand alone."""
        if not rows:
            return BatchOutcome()
        try:
            return self._commit(rows)
        except NOT_THE_RECORDS_FAULT:
            raise  # stays stale: the next step rebuilds and retries the batch
        except Exception as error:
            log.warning("workspace %d: a batch of %d failed (%s)", self.workspace_id, len(rows), error)
            # Detectors and near-duplicate groups are rebuilt from the store rather than copied
            # before every batch: a copy of the detectors costs a quarter second on the demo's three
            # days alone, a rebuild (the restart path) only costs when something failed, and it
            # holds exactly what was committed. The open crises are small: they are copied (_commit).
            self._rebuild()
            if len(rows) == 1:
                return self._set_aside(*rows[0], error)
            position = error.position if isinstance(error, StageError) else None
            if position is not None:  # detection names its mention: no need to split
                bad = self._set_aside(*rows[position], error)
                return bad + self._process_isolated(rows[:position] + rows[position + 1 :])
            middle = len(rows) // 2
            return self._process_isolated(rows[:middle]) + self._process_isolated(rows[middle:])

    def _commit(self, rows: list[Pending]) -> BatchOutcome:
        # A shallow copy is a snapshot: the manager replaces its frozen OpenCrisis values, never edits them.
        self._crises_before = dict(self.pipeline.crises.crises)
        self._stale = True
        with self.store.session() as session:
            self._follow_corrections(session)
            self._forget_closed_crises(session)
        # Analysed outside any transaction: SQLite's single write lock is held only while storing.
        result = self.pipeline.process([mention for _, mention in rows])
        stored_ids = {(m.brand or "", m.source, m.external_id): stored for stored, m in rows}
        with self.store.writing() as session:
            self._store(session, result, stored_ids)
        self._stale = False
        return BatchOutcome(processed=len(rows), updates=result.updates)

    def _rebuild(self) -> None:
        """Forget the in-memory state and build it again from what the store holds."""
        self.pipeline = self._new_pipeline()
        self._corrections_seen = None
        self.warm_up()
        self._stale = False

    def _set_aside(self, mention_id: int, mention: MentionIn, error: Exception) -> BatchOutcome:
        stage = error.stage if isinstance(error, StageError) else "store"
        cause = error.__cause__ if isinstance(error, StageError) and error.__cause__ else error
        reason = f"{type(cause).__name__}: {cause}"[:2000]
        log.error(
            "workspace %d: mention %d (%s/%s) set aside, %s failed: %s",
            self.workspace_id,
            mention_id,
            mention.source,
            mention.external_id,
            stage,
            reason,
        )
        with self.store.session() as session:
            session.add(
                SetAsideMention(
                    mention_id=mention_id, workspace_id=self.workspace_id, stage=stage, reason=reason
                )
            )
        return BatchOutcome(set_aside=1)

    def store_result(
        self, session: Session, result: StepResult, stored_ids: dict[tuple[str, str, str], int]
    ) -> None:
        """Write a step's enrichments, counts, crises, alerts and signals (the cluster's detection
        workers commit them with their stream position, in one transaction)."""
        self._store(session, result, stored_ids)

    def forget_closed_crises(self, session: Session) -> None:
        self._forget_closed_crises(session)

    def _forget_closed_crises(self, session: Session) -> None:
        """People resolve and merge crises in the store; new signals must not join those any more."""
        self.pipeline.crises.keep_only({crisis.key for crisis in open_crises(session, self.workspace_id)})

    def _store(
        self, session: Session, result: StepResult, stored_ids: dict[tuple[str, str, str], int]
    ) -> None:
        # Brands are looked up once, before anything is added: each query would otherwise flush the
        # batch's rows so far (a fifth of the drain time on the demo stream).
        named = {e.brand for e in result.enriched} | {u.brand for u in result.updates}
        brands = {name: self._brand(session, name) for name in named | {s.brand for s, _ in result.signals}}
        if result.enriched:
            # A Core executemany: the rows need no ORM identity, and a batch holds thousands (the
            # ORM's bulk path took four times as long).
            session.execute(
                insert(ENRICHMENTS),
                [
                    {
                        "mention_id": stored_ids[(e.brand, e.mention.source, e.mention.external_id)],
                        "lang": e.judgement.lang,
                        "sentiment": e.judgement.sentiment,
                        "sentiment_score": e.judgement.sentiment_score,
                        "cause": e.judgement.cause,
                        "duplicate_group": e.duplicate_group,
                    }
                    for e in result.enriched
                ],
            )
        # The dashboard's hourly counts grow in the same transaction as the enrichments.
        hourly_counts.add(
            session,
            [
                (
                    brands[e.brand].id,
                    e.mention.created_at,
                    e.mention.source,
                    e.judgement.lang,
                    e.judgement.sentiment,
                )
                for e in result.enriched
            ],
        )
        crisis_ids: dict[str, int] = {}
        for update in result.updates:
            brand = brands[update.brand]
            crisis = record_update(session, update, brand)
            crisis_ids[crisis.key] = crisis.id
            queue_alerts(session, crisis, brand, update)
        for signal, crisis_key in result.signals:
            crisis_id = crisis_ids.get(crisis_key) or session.scalar(
                select(Crisis.id).where(Crisis.key == crisis_key, Crisis.workspace_id == self.workspace_id)
            )
            if crisis_id is not None:
                crisis_ids[crisis_key] = crisis_id
            session.add(_signal_record(signal, brands[signal.brand].id, crisis_id))
        for gap in result.gaps:  # stored beside the signals: the volume chart shows them
            session.add(_gap_record(gap, brands[gap.brand].id))

    def _follow_corrections(self, session: Session) -> None:
        """Judge with the workspace's cause corrections; reloaded only when a newer one was made."""
        if not isinstance(self._base_judge, CorrectableJudge):
            return
        latest = latest_correction_id(session, self.workspace_id)
        if latest == self._corrections_seen:
            return
        corrections = workspace_corrections(session, self.workspace_id)
        self.pipeline.analyzer.judge = self._base_judge.with_corrections(corrections)
        self._corrections_seen = latest
        log.info("following %d cause corrections of workspace %d", len(corrections), self.workspace_id)

    def _brand(self, session: Session, name: str) -> Brand:
        brand = find_brand(session, self.workspace_id, name)
        if brand is None:
            raise LookupError(f"brand {name!r} vanished from workspace {self.workspace_id}")
        return brand

    def _settings(self, name: str) -> BrandConfig:
        with self.store.session() as session:
            return brand_settings(self._brand(session, name))


def _pending_mention(row: Row[Any]) -> Pending:
    values = tuple(row)
    fields = dict(zip(PENDING_NAMES, values[2:], strict=True))
    return int(values[0]), MentionIn(brand=str(values[1]), **fields)


def _incoming(mention: Mention, brand: str) -> MentionIn:
    return MentionIn(
        source=mention.source,
        external_id=mention.external_id,
        text=mention.text,
        created_at=mention.created_at,
        brand=brand,
        author=mention.author,
        author_followers=mention.author_followers,
        url=mention.url,
        lang=mention.lang,
        likes=mention.likes,
        shares=mention.shares,
        comments=mention.comments,
        reply_to=mention.reply_to,
    )


def _enriched(mention: Mention, enrichment: Enrichment, brand: str) -> EnrichedMention:
    judgement = TextJudgement(
        lang=enrichment.lang,
        sentiment=enrichment.sentiment,  # type: ignore[arg-type]
        sentiment_score=enrichment.sentiment_score,
        cause=enrichment.cause,  # type: ignore[arg-type]
    )
    return EnrichedMention(_incoming(mention, brand), judgement, enrichment.duplicate_group)


def _gap_record(gap: CoverageGap, brand_id: int) -> SignalRecord:
    return SignalRecord(
        brand_id=brand_id,
        crisis_id=None,
        kind=COVERAGE_GAP,
        at=gap.end,
        observed=0.0,
        expected=gap.expected,
        window_minutes=int((gap.end - gap.start).total_seconds() // 60),
        cause=None,
        reach=0,
        summary=gap.describe(),
        evidence=gap.as_json(),
    )


def _signal_record(signal: Signal, brand_id: int, crisis_id: int | None) -> SignalRecord:
    return SignalRecord(
        brand_id=brand_id,
        crisis_id=crisis_id,
        kind=signal.kind,
        at=signal.at,
        observed=signal.observed,
        expected=signal.expected,
        window_minutes=int(signal.window.total_seconds() // 60),
        cause=signal.cause,
        reach=signal.reach,
        summary=signal.summary,
        evidence=signal.evidence_json(),
    )
