"""The live service over a real store: stored mentions in, crisis and alert out, restart-safe."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from stormwatch.alerting.models import Alert
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.service import MentionAnalyzer
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention
from stormwatch.ingest.parsing import parse_mention
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

from .alerting.receiver import running_receiver
from .stream_fixtures import START, firestorm, ordinary_days

ONSET = START + timedelta(hours=30, minutes=10)


def _feed(ingestor: MentionIngestor, records: list[dict[str, object]]) -> None:
    ingestor.ingest([RawRecord(i, "", r) for i, r in enumerate(records, 1)], origin="test")


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_firestorm_to_alert_and_a_restart_in_the_middle(store: Store) -> None:
    analyzer = TextAnalyzer.load(deep=False)
    storm = firestorm(ONSET)
    with running_receiver() as receiver:
        config = WorkspaceConfig(brands=[BrandConfig(name="Northwind Air", alert_urls=[receiver.url()])])
        with store.session() as session:
            workspace_id = apply_config(session, config).id
        ingestor = MentionIngestor(store, workspace_id)

        first = LivePipeline(store, analyzer, workspace_id)
        first.warm_up()
        _feed(ingestor, ordinary_days() + storm[:30])
        changes = first.run_until_idle()
        # De-escalations are recorded on the timeline but wake nobody up.
        updates = [u for u in changes if u.kind != "deescalated"]
        assert [u.kind for u in updates] == ["opened"] + ["escalated"] * (len(updates) - 1)
        assert len(receiver.posts) == len({u.severity for u in updates})

        # A new process: detectors rebuilt from the store; the rest of the storm joins the same crisis.
        second = LivePipeline(store, analyzer, workspace_id)
        assert second.warm_up() == len(ordinary_days()) + 30
        _feed(ingestor, storm[30:])
        later_changes = second.run_until_idle()
        later = [u for u in later_changes if u.kind != "deescalated"]
        assert all(u.kind == "escalated" for u in later)
        assert {u.crisis_key for u in changes + later_changes} == {updates[0].crisis_key}

    assert _count(store, Enrichment) == len(ordinary_days()) + len(storm)
    # Near-duplicate groups are what one uninterrupted process would give: copies after the restart
    # join the groups their originals got before it.
    with store.session() as session:
        stored = dict(
            session.execute(select(Mention.external_id, Enrichment.duplicate_group).join(Enrichment)).all()
        )
    processing_order = sorted(ordinary_days() + storm[:30], key=lambda r: r["created_at"]) + storm[30:]
    uninterrupted = MentionAnalyzer(analyzer).enrich([parse_mention(r) for r in processing_order])
    assert stored == {e.mention.external_id: e.duplicate_group for e in uninterrupted}
    assert _count(store, Crisis) == 1
    with store.session() as session:
        kinds = list(session.scalars(select(CrisisEvent.kind)))
    assert kinds.count("opened") + kinds.count("escalated") == len(updates) + len(later)
    assert kinds.count("deescalated") == len(changes) + len(later_changes) - len(updates) - len(later)
    assert kinds.count("alert_sent") == len(receiver.posts)
    # One alert per crisis and level: climbing back to a level after a de-escalation alerts no one twice.
    alerted_levels = len({u.severity for u in updates + later})
    assert _count(store, Alert) == alerted_levels
    assert len(receiver.posts) == alerted_levels
    with store.session() as session:
        signals = session.scalars(select(SignalRecord)).all()
        assert signals and all(signal.crisis_id is not None for signal in signals)
