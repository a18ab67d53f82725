"""Following Jetstream over a websocket for all of a workspace's brands at once (``[sources.firehose]``).

One connection carries every post of the network; :class:`JetstreamFilter` keeps those that name
a brand, each attributed to the brand(s) it names, and only those reach ingestion. The cursor is
Jetstream's own ``time_us`` (microseconds): saved after the kept posts before it are stored, and
sent back (less ``rewind_seconds``) on reconnect or restart, so nothing is lost; what the rewind
replays is skipped by ingestion, which stores each (brand, ``at://`` URI) once. Reconnecting
with backoff is the runner's (:class:`SourceRunner`), as for every live source.

Checkpoints are batched: at a thousand events a second, a store transaction per event would be
the bottleneck, so kept posts are stored at most ``FLUSH_SECONDS`` after they arrive (or once
``MAX_BATCH`` are waiting), and the cursor moves at least every ``checkpoint_events`` events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from stormwatch.ingest.parsing import RecordError, parse_timestamp
from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.base import ALL_BRANDS, Cursor, Page, Source
from stormwatch.sources.firehose import POST, JetstreamFilter, Verdict, event_records
from stormwatch.sources.reliability import StreamDropped
from stormwatch.sources.settings import FirehoseSettings
from stormwatch.workspace.config import BrandConfig

FLUSH_SECONDS = 0.5
MAX_BATCH = 200


@dataclass
class Batch:
    """Kept posts waiting to be stored, and the cursor that storing them allows to save."""

    checkpoint_events: int
    cursor: Cursor
    records: list[RawRecord] = field(default_factory=list)
    newest: datetime | None = None
    events: int = 0  # since the last page
    first_at: float | None = None  # when the oldest waiting record arrived (monotonic)

    def add(self, verdict: Verdict, records: list[RawRecord], now: float) -> None:
        self.events += 1
        if verdict.time_us is not None:
            self.cursor = {"time_us": max(verdict.time_us, int(self.cursor.get("time_us") or 0))}
        if records and self.first_at is None:
            self.first_at = now
        self.records += records
        for record in records:
            self._track(record)

    def due(self, now: float) -> bool:
        if self.records and (len(self.records) >= MAX_BATCH or now - (self.first_at or now) >= FLUSH_SECONDS):
            return True
        return self.events >= self.checkpoint_events

    def take(self) -> Page:
        page = Page(self.records, dict(self.cursor), self.newest)
        self.records, self.events, self.first_at, self.newest = [], 0, None, None
        return page

    def _track(self, record: RawRecord) -> None:
        if record.fields is None:
            return
        try:
            moment = parse_timestamp(record.fields.get("created_at"), "created_at")
        except RecordError:
            return
        if self.newest is None or moment > self.newest:
            self.newest = moment


class FirehoseSource(Source):
    """Every brand's posts out of Bluesky's Jetstream, over one websocket."""

    network = "bluesky"
    live = True
    pollable = False

    def __init__(
        self,
        brands: list[BrandConfig],
        settings: FirehoseSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ALL_BRANDS, "firehose")
        self.settings = settings
        self.filter = JetstreamFilter.for_brands(brands)
        self._clock = clock
        self._socket: ClientConnection | None = None
        self.events = 0  # read since this source was made: the position in malformed-event reports
        self.lines = 0  # events handed to ingestion (their records' line numbers)

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        yield from ()  # the stream is the only way in

    def subscribe_url(self, cursor: Cursor) -> str:
        params: dict[str, object] = {"wantedCollections": POST}
        if cursor.get("time_us"):
            rewind = int(self.settings.rewind_seconds * 1_000_000)
            params["cursor"] = max(1, int(cursor["time_us"]) - rewind)
        separator = "&" if "?" in self.settings.url else "?"
        return f"{self.settings.url}{separator}{urlencode(params)}"

    def listen(self, cursor: Cursor) -> Iterator[Page]:
        batch = Batch(self.settings.checkpoint_events, dict(cursor))
        dropped: Exception | None = None
        try:
            with connect(self.subscribe_url(cursor), open_timeout=10, close_timeout=2) as socket:
                self._socket = socket
                yield from self._follow(socket, batch)
        except (WebSocketException, OSError) as error:
            dropped = error
        finally:
            self._socket = None
        if batch.records or batch.events:
            yield batch.take()  # what arrived before the drop is stored before reconnecting
        reason = f"{type(dropped).__name__}: {dropped}" if dropped else "closed by the server"
        raise StreamDropped(f"bluesky: firehose dropped: {reason}")

    def _follow(self, socket: ClientConnection, batch: Batch) -> Iterator[Page]:
        while True:
            try:
                message = socket.recv(timeout=FLUSH_SECONDS)
            except TimeoutError:
                # A quiet stream: store what waits and save the cursor now rather than at the next event.
                if batch.records or batch.events:
                    yield batch.take()
                continue
            verdict = self.filter.decide(message)
            batch.add(verdict, self._records(verdict, message, batch.cursor), self._clock())
            if batch.due(self._clock()):
                yield batch.take()

    def _records(self, verdict: Verdict, message: str | bytes, cursor: Cursor) -> list[RawRecord]:
        self.events += 1
        if verdict.event is None and verdict.error is None:
            return []  # most events: nothing to decode or number
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        self.lines += 1
        # The position says where in the stream: the event's number since the source started and
        # the last good cursor before it (a malformed event may have no time_us of its own).
        where = f"event {self.events} after time_us {cursor.get('time_us') or 'start'}"
        return event_records(verdict, text, self.lines, where)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()


def firehose_source(brands: list[BrandConfig], settings: FirehoseSettings) -> FirehoseSource:
    if not brands:
        raise ValueError("the firehose needs at least one brand in the workspace file")
    return FirehoseSource(brands, settings)


__all__ = ["Batch", "FirehoseSource", "firehose_source"]
