"""The firehose source's websocket client (the real ``websockets`` client) against a local
``websockets`` server that replays tests/sources/data/jetstream_sample.jsonl as Jetstream does:
from the requested ``cursor`` (microseconds, inclusive), posts only. It drops the first connection
part-way; the source reconnects from its saved cursor, and a restarted source resumes from the
store, with every post stored once per brand it names (on SQLite and on the real PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select
from websockets.sync.server import ServerConnection
from websockets.sync.server import serve as ws_serve

from stormwatch.ingest.models import Mention
from stormwatch.sources.checkpoints import Checkpoints
from stormwatch.sources.registry import build_sources
from stormwatch.sources.reliability import Backoff
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config
from tests.sources.servers import quarantined
from tests.sources.test_firehose import KEPT, MALFORMED, WORKSPACE

SAMPLE = Path(__file__).parent / "data" / "jetstream_sample.jsonl"
KEY = "bluesky/*/firehose"


def sample_lines() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def positions(lines: list[str]) -> list[int]:
    """Each line's place in time: its time_us, or (unreadable) the one before it."""
    out, last = [], 0
    for line in lines:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            value = json.loads(line).get("time_us")
            last = value if isinstance(value, int) else last
        out.append(last)
    return out


LINES = sample_lines()
LAST = positions(LINES)[-1]


def _uri(line: int) -> str:
    event = json.loads(LINES[line - 1])
    return f"at://{event['did']}/app.bsky.feed.post/{event['commit']['rkey']}"


EXPECTED = {(brand, _uri(line)) for line, brand in KEPT}


@contextmanager
def jetstream(drop_after: int | None) -> Iterator[tuple[str, list[str | None]]]:
    """Replays the sample from each connection's cursor; the first connection drops after ``drop_after``."""
    cursors: list[str | None] = []
    places = positions(LINES)

    def handler(connection: ServerConnection) -> None:
        query = parse_qs(urlparse(connection.request.path).query)
        assert query["wantedCollections"] == ["app.bsky.feed.post"]
        cursor = query.get("cursor", [None])[0]
        cursors.append(cursor)
        start = next(
            (i for i, place in enumerate(places) if cursor is None or place >= int(cursor)), len(LINES)
        )
        for sent, line in enumerate(LINES[start:]):
            if len(cursors) == 1 and sent == drop_after:
                connection.close()  # the socket drops mid-stream
                return
            connection.send(line)
        with contextlib.suppress(Exception):
            connection.recv(timeout=10)  # a quiet live tail until the client goes away

    with ws_serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe", cursors
        server.shutdown()


def workspace(url: str, rewind: float) -> WorkspaceConfig:
    raw = WORKSPACE.model_dump()
    raw["sources"]["firehose"] = {"url": url, "rewind_seconds": rewind}
    # The brand's own Jetstream (on by default with [brands.sources.bluesky]) gives way to the firehose.
    raw["brands"][0]["sources"]["bluesky"] = {"queries": []}
    return WorkspaceConfig.model_validate(raw)


def stored(store: Store) -> list[tuple[str, str]]:
    with store.session() as session:
        rows = session.execute(
            select(Brand.name, Mention.external_id).join(Brand, Brand.id == Mention.brand_id)
        )
        return sorted((name, external_id) for name, external_id in rows)


def run_until_caught_up(store: Store, config: WorkspaceConfig) -> None:
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    configured = build_sources(config, Secrets({}, env={}))
    assert [source.key for source in configured.sources] == [KEY] and not configured.unavailable
    runner = SourceRunner(
        store, workspace_id, configured.sources, backoff=Backoff(0.05, 0.1), poll_seconds=0.05
    )
    checkpoints = Checkpoints(store, workspace_id)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while checkpoints.cursor(KEY).get("time_us") != LAST and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop(timeout=5)
    # Stopping closes the socket under the waiting recv(): the thread ends at once, not at a timeout.
    assert not any(thread.is_alive() for thread in runner._threads)
    assert checkpoints.cursor(KEY) == {"time_us": LAST}


def test_a_dropped_stream_resumes_from_its_cursor_and_stores_each_post_once(store: Store) -> None:
    with jetstream(drop_after=12) as (url, cursors):
        run_until_caught_up(store, workspace(url, rewind=0))
    first_connection_end = positions(LINES)[11]
    assert cursors == [None, str(first_connection_end)]  # the 12th event is sent again, and skipped
    assert stored(store) == sorted(EXPECTED)
    problems = sorted(quarantined(store), key=lambda record: record.line)
    assert len(problems) == len(MALFORMED) + 1  # and line 17, a post without createdAt
    assert all("bluesky firehose: unreadable event (event " in p.error for p in problems)
    assert "after time_us 1764003609000000" in problems[0].error  # the cut-off line follows line 9


def test_a_restarted_source_rewinds_a_little_and_counts_nothing_twice(sqlite_store: Store) -> None:
    with jetstream(drop_after=None) as (url, cursors):
        run_until_caught_up(sqlite_store, workspace(url, rewind=2))
        assert stored(sqlite_store) == sorted(EXPECTED)
        run_until_caught_up(sqlite_store, workspace(url, rewind=2))  # a new process: state from the store
    assert cursors == [None, str(LAST - 2_000_000)]
    assert stored(sqlite_store) == sorted(EXPECTED)  # the replayed post (line 26) was not stored again
    with sqlite_store.session() as session:
        health = Checkpoints(sqlite_store, apply_config(session, WORKSPACE).id).health()
    assert [(row.key, row.items_stored, row.status) for row in health] == [(KEY, len(EXPECTED), "ok")]
