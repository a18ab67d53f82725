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
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stormwatch.alerting.service import Sender, deliver_pending, queue_alerts, send_with_apprise
from stormwatch.analysis.corrections import latest_correction_id, workspace_corrections
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import CorrectableJudge, EnrichedMention, TextJudge
from stormwatch.crisis.models import Crisis
from stormwatch.crisis.service import open_crises, record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.gaps import COVERAGE_GAP, CoverageGap
from stormwatch.detection.models import SignalRecord
from stormwatch.detection.signal import Signal
from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.models import Mention
from stormwatch.pipeline import Pipeline, StepResult
from stormwatch.stats import service as hourly_counts
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import brand_settings, find_brand

log = logging.getLogger(__name__)

WARM_UP_HISTORY = timedelta(days=7)
BATCH_SIZE = 500


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
        self.pipeline = Pipeline(judge, self._settings)
        self._base_judge = judge
        self._corrections_seen: int | None = None
        # The API and the background loop both push work; the pipeline's state is not thread-safe.
        self._lock = threading.Lock()

    def warm_up(self, history: timedelta = WARM_UP_HISTORY) -> int:
        """Restore open crises, replay the recent analysed mentions into the detectors and index their
        near-duplicate groups (so that a copy arriving after the restart joins its original's group)."""
        with self.store.session() as session:
            self.pipeline.crises.restore(open_crises(session, self.workspace_id))
            latest = session.scalar(
                select(func.max(Mention.created_at))
                .join(Brand)
                .where(Brand.workspace_id == self.workspace_id)
            )
            if latest is None:
                return 0
            rows = session.execute(
                select(Mention, Enrichment, Brand.name)
                .join(Enrichment, Enrichment.mention_id == Mention.id)
                .join(Brand, Brand.id == Mention.brand_id)
                .where(Brand.workspace_id == self.workspace_id, Mention.created_at >= latest - history)
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
        with self._lock:
            return self._process_pending(limit)

    def _process_pending(self, limit: int) -> list[CrisisUpdate]:
        with self.store.session() as session:
            rows = session.execute(
                select(Mention, Brand.name)
                .join(Brand, Brand.id == Mention.brand_id)
                .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
                .where(Brand.workspace_id == self.workspace_id, Enrichment.mention_id.is_(None))
                .order_by(Mention.created_at, Mention.id)
                .limit(limit)
            ).all()
            if not rows:
                return []
            self._follow_corrections(session)
            self._forget_closed_crises(session)
            result = self.pipeline.process([_incoming(mention, brand) for mention, brand in rows])
            stored_ids = {(brand, mention.source, mention.external_id): mention.id for mention, brand in rows}
            self._store(session, result, stored_ids)
        if any(update.kind != "closed" for update in result.updates):
            deliver_pending(self.store, self.send)
        for update in result.updates:
            log.info("crisis %s %s: severity %d", update.crisis_key, update.kind, update.severity)
            if self.on_update:
                self.on_update(update)
        return result.updates

    def _forget_closed_crises(self, session: Session) -> None:
        """People resolve and merge crises in the store; new signals must not join those any more."""
        self.pipeline.crises.keep_only({crisis.key for crisis in open_crises(session, self.workspace_id)})

    def run_until_idle(self) -> list[CrisisUpdate]:
        updates: list[CrisisUpdate] = []
        while batch := self.process_pending():
            updates.extend(batch)
        return updates

    def _store(
        self, session: Session, result: StepResult, stored_ids: dict[tuple[str, str, str], int]
    ) -> None:
        for enriched in result.enriched:
            key = (enriched.brand, enriched.mention.source, enriched.mention.external_id)
            judgement = enriched.judgement
            session.add(
                Enrichment(
                    mention_id=stored_ids[key],
                    lang=judgement.lang,
                    sentiment=judgement.sentiment,
                    sentiment_score=judgement.sentiment_score,
                    cause=judgement.cause,
                    duplicate_group=enriched.duplicate_group,
                )
            )
        # The dashboard's hourly counts grow in the same transaction as the enrichments.
        brand_ids = {name: self._brand(session, name).id for name in {e.brand for e in result.enriched}}
        hourly_counts.add(
            session,
            [
                (
                    brand_ids[e.brand],
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
            brand = self._brand(session, update.brand)
            crisis = record_update(session, update, brand)
            crisis_ids[crisis.key] = crisis.id
            queue_alerts(session, crisis, brand, update)
        for signal, crisis_key in result.signals:
            crisis_id = crisis_ids.get(crisis_key) or session.scalar(
                select(Crisis.id).where(Crisis.key == crisis_key)
            )
            session.add(_signal_record(signal, self._brand(session, signal.brand).id, crisis_id))
        for gap in result.gaps:  # stored beside the signals: the volume chart shows them
            session.add(_gap_record(gap, self._brand(session, gap.brand).id))

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
