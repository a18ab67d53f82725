"""The demo: a bundled workspace and mention stream, replayed in accelerated time.

The sample stream (built by ``scripts/build_demo_stream.py``, its posts written for the demo) holds a
week of ordinary history of two brands, loaded at once as a team would import its past mentions,
then three days replayed in accelerated time with one firestorm and one harmless praise spike.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stormwatch.crisis.update import CrisisUpdate
from stormwatch.ingest.parsing import RecordError, parse_timestamp
from stormwatch.ingest.readers import RawRecord, read_records
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import BATCH_SIZE as LIVE_BATCH_SIZE
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store

DEMO_DIR = Path(__file__).parent
SAMPLE_STREAM = DEMO_DIR / "sample_stream.jsonl.gz"
WORKSPACE_FILE = DEMO_DIR / "workspace.toml"
MAX_BATCH = 200  # keeps the dashboard moving when the clock runs very fast
# History goes in the pipeline's own batch size, so that one run_until_idle takes each batch whole.
HISTORY_BATCH = LIVE_BATCH_SIZE


@dataclass
class ReplayStats:
    mentions: int = 0
    updates: int = 0
    history: int = 0  # mentions loaded at once before the replay


def replay_start(stream: Path = SAMPLE_STREAM) -> datetime | None:
    """Where the live replay begins (``scored_start`` in the stream's labels); earlier is history."""
    labels = stream.with_name(stream.name.split(".")[0] + ".labels.json")
    if not labels.exists():
        return None
    return parse_timestamp(json.loads(labels.read_text(encoding="utf-8"))["scored_start"], "scored_start")


def replay_sample(
    ingestor: MentionIngestor,
    live: LivePipeline,
    *,
    speed: float,
    stream: Path = SAMPLE_STREAM,
    on_tick: Callable[[datetime], None] | None = None,
) -> ReplayStats:
    """Load the stream's history at once, then feed the rest into the store as if it were live,
    ``speed`` times faster than real time."""
    stats = ReplayStats()
    records: Iterator[RawRecord] = read_records(stream)
    start = replay_start(stream)
    if start is not None:
        records = _load_history(ingestor, live, records, start, stream, stats)
    ticks = _ticks(records, speed)
    for event_time, batch in ticks:
        report = ingestor.ingest(batch, origin=f"demo:{stream.name}")
        stats.mentions += report.stored
        stats.updates += len(live.run_until_idle())
        if on_tick:
            on_tick(event_time)
    return stats


def _load_history(
    ingestor: MentionIngestor,
    live: LivePipeline,
    records: Iterator[RawRecord],
    start: datetime,
    stream: Path,
    stats: ReplayStats,
) -> Iterator[RawRecord]:
    """Store and analyse the records before ``start`` at once; returns the records from ``start`` on."""
    batch: list[RawRecord] = []
    for record in records:
        if (_event_time(record) or start) >= start:
            records = itertools.chain([record], records)
            break
        batch.append(record)
        if len(batch) == HISTORY_BATCH:
            stats.history += _load(ingestor, live, batch, stream)
            batch = []
    stats.history += _load(ingestor, live, batch, stream)
    return records


def _load(ingestor: MentionIngestor, live: LivePipeline, batch: list[RawRecord], stream: Path) -> int:
    stored = ingestor.ingest(batch, origin=f"demo:{stream.name}").stored if batch else 0
    live.run_until_idle()
    return stored


def _ticks(records: Iterator[RawRecord], speed: float) -> Iterator[tuple[datetime, list[RawRecord]]]:
    """Batches of records as they fall due on the accelerated clock, sleeping in between."""
    started = time.monotonic()
    first: datetime | None = None
    last: datetime | None = None
    batch: list[RawRecord] = []
    for record in records:
        moment = _event_time(record)  # None: let the ingestor quarantine it with the reason
        if moment is not None:
            first = first or moment
            wait = (moment - first).total_seconds() / speed - (time.monotonic() - started)
            if batch and last and (wait > 0 or len(batch) >= MAX_BATCH):
                yield last, batch
                batch = []
            if wait > 0:
                time.sleep(wait)
            last = moment
        batch.append(record)
    if batch and last:
        yield last, batch


def _event_time(record: RawRecord) -> datetime | None:
    if record.fields is None:
        return None
    try:
        return parse_timestamp(record.fields.get("created_at"), "created_at")
    except RecordError:
        return None


def describe(update: CrisisUpdate) -> str:
    action = {
        "opened": "NEW CRISIS",
        "escalated": "ESCALATED",
        "reopened": "REOPENED",
        "deescalated": "de-escalated",
        "closed": "calm (closing proposed)",
    }[update.kind]
    return (
        f"[{update.at:%a %H:%M} event time] {action} {update.brand} — severity {update.severity}"
        f" ({(update.cause or 'cause unknown').replace('_', ' ')}) [{update.crisis_key}]\n    {update.reason}"
    )


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    password: str
    role: str


def create_demo_accounts(store: Store, workspace_id: int) -> list[DemoAccount]:
    """A manager and an analyst with fresh random passwords (the demo database is thrown away)."""
    from stormwatch.auth.service import add_user

    accounts = [
        DemoAccount("manager@demo.stormwatch", secrets.token_urlsafe(9), "manager"),
        DemoAccount("analyst@demo.stormwatch", secrets.token_urlsafe(9), "analyst"),
    ]
    with store.session() as session:
        for account in accounts:
            add_user(
                session,
                account.email,
                account.password,
                workspace_id=workspace_id,
                role=account.role,
                display_name=account.role.capitalize(),
                actor="demo",
            )
    return accounts
