"""The live pipeline survives any single mention and any single tenant (issue 25).

The defects that once poisoned it (a post dated 31 Dec 9999 overflowed detection, one dated 1 Jan
0001 the near-duplicate index) are now refused at the door and guarded inside; what is pinned here
is that *any* mention whose analysis or detection fails costs only itself. The failures are put in
the judge and in one extra detector, and fire only on mentions carrying their marker; those
mentions are written straight into the store, as any gap in validation would leave them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import EnrichedMention
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.backlog import backlog, set_aside_mentions
from stormwatch.cli import app
from stormwatch.crisis.models import Crisis
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection import service as detection_service
from stormwatch.detection.models import SignalRecord
from stormwatch.detection.signal import Signal
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.runtime import Runtime
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig, WorkspaceSettings
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config

from .stream_fixtures import START, firestorm, ordinary_days

BRAND = "Northwind Air"
ONSET = START + timedelta(hours=30, minutes=10)
ANALYSIS_FAULT = "[fails analysis]"
DETECTION_FAULT = "[fails detection]"


class FaultyJudge:
    """The product's analyser, except that a text carrying ANALYSIS_FAULT makes it raise."""

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self.analyzer = analyzer

    def judge(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[TextJudgement]:
        if any(ANALYSIS_FAULT in text for text in texts):
            raise ValueError("the judge failed on this text")
        return self.analyzer.judge(texts, langs)


class FaultyDetector:
    """A detector that raises on a mention carrying DETECTION_FAULT (and signals nothing otherwise)."""

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if DETECTION_FAULT in mention.mention.text:
            raise ArithmeticError("the detector failed on this mention")
        return []


@pytest.fixture(autouse=True)
def faulty_detector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    shipped = detection_service.detectors_for
    monkeypatch.setattr(detection_service, "detectors_for", lambda brand: [*shipped(brand), FaultyDetector()])
    yield


def _analyzer() -> FaultyJudge:
    return FaultyJudge(TextAnalyzer.load(deep=False))


def _workspace(store: Store, name: str) -> int:
    config = WorkspaceConfig(workspace=WorkspaceSettings(name=name), brands=[BrandConfig(name=BRAND)])
    with store.session() as session:
        return apply_config(session, config).id


def _feed(store: Store, workspace_id: int, records: list[dict[str, object]]) -> None:
    raw = [RawRecord(i, "", r) for i, r in enumerate(records, 1)]
    MentionIngestor(store, workspace_id).ingest(raw, origin="test")


def _store_poison(store: Store, workspace_id: int, external_id: str, at: datetime, fault: str) -> int:
    """An ordinary complaint whose ``fault`` marker makes its analysis or detection fail."""
    with store.session() as session:
        brand_id = session.scalar(select(Brand.id).where(Brand.workspace_id == workspace_id))
        mention = Mention(
            brand_id=brand_id,
            source="twitter",
            external_id=external_id,
            text=f"@northwindair worst customer service ever, 3 hours on hold {fault}",
            author="someone",
            created_at=at,
        )
        session.add(mention)
        session.flush()
        return mention.id


def _count(store: Store, table: type, workspace_id: int) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(table)
        if table is Crisis:
            query = query.where(Crisis.workspace_id == workspace_id)
        else:
            query = (
                query.join(Brand, Brand.id == table.brand_id)  # type: ignore[attr-defined]
                if table is SignalRecord
                else query.join(Mention).join(Brand, Brand.id == Mention.brand_id)
            ).where(Brand.workspace_id == workspace_id)
        return int(session.scalar(query) or 0)


def _seen(updates: list[CrisisUpdate]) -> list[tuple[str, str, int, datetime]]:
    return [(u.kind, u.crisis_key, u.severity, u.at) for u in updates]


def test_namesake_brands_in_two_workspaces_and_a_failed_batch_counted_once(store: Store) -> None:
    analyzer = _analyzer()
    stream = ordinary_days() + firestorm(ONSET)
    clean, poisoned = _workspace(store, "Agency A"), _workspace(store, "Agency B")
    _feed(store, clean, stream)
    _feed(store, poisoned, stream)
    # Dated last, it sorts into the end of the storm's batch: detection has seen the whole storm when
    # it fails, so a retry that kept that state would count the storm twice.
    last = max(datetime.fromisoformat(str(record["created_at"])) for record in stream)
    poison = _store_poison(store, poisoned, "poison-late", last + timedelta(seconds=1), DETECTION_FAULT)

    first = LivePipeline(store, analyzer, clean).run_until_idle()
    second = LivePipeline(store, analyzer, poisoned).run_until_idle()

    assert any(u.kind == "opened" for u in first)
    assert _seen(second) == _seen(first)  # the same crises, keys, severities and times
    with store.session() as session:
        keys = {w: set(session.scalars(select(Crisis.key).where(Crisis.workspace_id == w))) for w in (1, 2)}
        aside = set_aside_mentions(session, poisoned)
    # Each workspace's own keys: no "-2" telling one tenant that the other has a crisis that minute.
    assert keys[clean] == keys[poisoned] == {u.crisis_key for u in first}
    assert not any(key.endswith("-2") for key in keys[clean])
    assert _count(store, SignalRecord, poisoned) == _count(store, SignalRecord, clean)
    assert _count(store, Enrichment, poisoned) == _count(store, Enrichment, clean) == len(stream)
    assert [(a.mention_id, a.stage) for a in aside] == [(poison, "detection")]
    assert "the detector failed" in aside[0].reason


def test_a_poisoned_mention_is_set_aside_and_the_batch_and_other_workspace_go_on(store: Store) -> None:
    analyzer = _analyzer()
    broken, healthy = _workspace(store, "Broken"), _workspace(store, "Healthy")
    days = ordinary_days(hours=6)
    _feed(store, broken, days)
    _feed(store, healthy, days)
    early = _store_poison(store, broken, "poison-early", START + timedelta(minutes=1), ANALYSIS_FAULT)
    late = _store_poison(store, broken, "poison-late", START + timedelta(hours=5), DETECTION_FAULT)
    runtime = Runtime(
        store, broken, analyzer, LivePipeline(store, analyzer, broken), MentionIngestor(store, broken)
    )
    runtime.pipelines[broken] = runtime.live
    # A third workspace whose database cannot even be reached fails as a whole, and only itself.
    unreachable = Store(create_engine("sqlite:////nonexistent-dir/stormwatch.db"))
    runtime.pipelines[999] = LivePipeline(unreachable, analyzer, 999)
    runtime._workspace_ids = lambda: [999, broken, healthy]  # type: ignore[method-assign]

    while runtime.drain_round():
        pass

    with store.session() as session:
        figures = {b.workspace_id: b for b in backlog(session)}
        aside = {a.mention_id: a.stage for a in set_aside_mentions(session, broken)}
    assert aside == {early: "analysis", late: "detection"}
    assert (figures[broken].pending, figures[broken].set_aside) == (0, 2)
    assert (figures[healthy].pending, figures[healthy].set_aside) == (0, 0)
    assert _count(store, Enrichment, broken) == _count(store, Enrichment, healthy) == len(days)


def test_a_restart_with_a_poisoned_mention_stored_does_not_meet_the_same_wall(store: Store) -> None:
    analyzer = _analyzer()
    workspace = _workspace(store, "Restarted")
    _feed(store, workspace, ordinary_days(hours=4))
    LivePipeline(store, analyzer, workspace).run_until_idle()
    # Stored while the service was down, pending at the restart.
    poison = _store_poison(
        store, workspace, "poison-a", START + timedelta(hours=4, minutes=1), ANALYSIS_FAULT
    )
    _store_poison(store, workspace, "poison-d", START + timedelta(hours=4, minutes=2), DETECTION_FAULT)

    restarted = LivePipeline(store, analyzer, workspace)
    assert restarted.warm_up() == len(ordinary_days(hours=4))
    _feed(store, workspace, ordinary_days(hours=8)[-20:])
    restarted.run_until_idle()
    again = LivePipeline(store, analyzer, workspace)
    assert again.warm_up() > 0
    assert again.run_until_idle() == []

    with store.session() as session:
        figures = backlog(session, workspace)[0]
        stages = {a.mention_id: a.stage for a in set_aside_mentions(session, workspace)}
    assert (figures.pending, figures.set_aside) == (0, 2)
    assert stages[poison] == "analysis"

    # The same figures through `stormwatch status`, with the reason each one was set aside.
    url = store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["status", "--json", "--database", url])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert (line["workspace"], line["pending"], line["set_aside"]) == ("Restarted", 0, 2)
    assert {item["stage"] for item in line["set_aside_mentions"]} == {"analysis", "detection"}
    assert all("failed on this" in item["reason"] for item in line["set_aside_mentions"])
