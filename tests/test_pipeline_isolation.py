"""The live pipeline survives any single mention and any single tenant (issue 25).

The poisoned mentions are real: a post dated 31 Dec 9999 makes detection overflow, one dated
1 Jan 0001 makes the near-duplicate index overflow during analysis. They are written straight into
the store, as a database from before input validation (or any other gap) would hold them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.backlog import backlog, set_aside_mentions
from stormwatch.cli import app
from stormwatch.crisis.models import Crisis
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.models import SignalRecord
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
LATEST = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)  # detection overflows on it
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)  # the near-duplicate index (analysis) overflows on it


def _workspace(store: Store, name: str) -> int:
    config = WorkspaceConfig(workspace=WorkspaceSettings(name=name), brands=[BrandConfig(name=BRAND)])
    with store.session() as session:
        return apply_config(session, config).id


def _feed(store: Store, workspace_id: int, records: list[dict[str, object]]) -> None:
    raw = [RawRecord(i, "", r) for i, r in enumerate(records, 1)]
    MentionIngestor(store, workspace_id).ingest(raw, origin="test")


def _store_poison(store: Store, workspace_id: int, external_id: str, at: datetime) -> int:
    """A mention whose text is ordinary and whose date breaks the pipeline."""
    with store.session() as session:
        brand_id = session.scalar(select(Brand.id).where(Brand.workspace_id == workspace_id))
        mention = Mention(
            brand_id=brand_id,
            source="twitter",
            external_id=external_id,
            text="@northwindair worst customer service ever, 3 hours on hold",
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
    analyzer = TextAnalyzer.load(deep=False)
    stream = ordinary_days() + firestorm(ONSET)
    clean, poisoned = _workspace(store, "Agency A"), _workspace(store, "Agency B")
    _feed(store, clean, stream)
    _feed(store, poisoned, stream)
    # Dated last, it sorts into the end of the storm's batch: detection has seen the whole storm when
    # it fails, so a retry that kept that state would count the storm twice.
    poison = _store_poison(store, poisoned, "poison-9999", LATEST)

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
    assert "OverflowError" in aside[0].reason


def test_a_poisoned_mention_is_set_aside_and_the_batch_and_other_workspace_go_on(store: Store) -> None:
    analyzer = TextAnalyzer.load(deep=False)
    broken, healthy = _workspace(store, "Broken"), _workspace(store, "Healthy")
    days = ordinary_days(hours=6)
    _feed(store, broken, days)
    _feed(store, healthy, days)
    early = _store_poison(store, broken, "poison-0001", EARLIEST)
    late = _store_poison(store, broken, "poison-9999", LATEST)
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
    analyzer = TextAnalyzer.load(deep=False)
    workspace = _workspace(store, "Restarted")
    _feed(store, workspace, ordinary_days(hours=4))
    LivePipeline(store, analyzer, workspace).run_until_idle()
    # Stored while the service was down, pending at the restart, and dated where warm-up overflowed.
    poison = _store_poison(store, workspace, "poison-0001", EARLIEST)
    _store_poison(store, workspace, "poison-9999", LATEST)

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
    assert all("OverflowError" in item["reason"] for item in line["set_aside_mentions"])
