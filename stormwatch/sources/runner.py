"""Running sources: each in its own thread, storing every page exactly once and saving its checkpoint.

A source that fails is recorded as failing and retried after a backoff (or after the network's
``Retry-After``); the others go on. Pages are stored through the core's idempotent ingestion
*before* the checkpoint moves, so a kill between the two only re-fetches what is already stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stormwatch.ingest.service import MentionIngestor, Problem
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.sources.base import ALL_BRANDS, Page, Source
from stormwatch.sources.checkpoints import Checkpoints
from stormwatch.sources.reliability import Backoff, RateLimited, StreamDropped
from stormwatch.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    key: str
    pages: int = 0
    read: int = 0
    stored: int = 0
    quarantined: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None

    def summary(self) -> str:
        text = f"{self.key}: read {self.read}, stored {self.stored} new, quarantined {self.quarantined}"
        return f"{text}; failed: {self.error}" if self.error else text


class SourceRunner:
    def __init__(
        self,
        store: Store,
        workspace_id: int,
        sources: list[Source],
        *,
        backoff: Backoff | None = None,
        poll_seconds: float = 120.0,
        on_problem: Callable[[Problem], None] | None = None,
        window: TimeWindow = DEFAULT_WINDOW,
    ) -> None:
        self.sources = sources
        self.checkpoints = Checkpoints(store, workspace_id)
        self.ingestor = MentionIngestor(store, workspace_id, window=window)
        self.backoff = backoff or Backoff()
        self.poll_seconds = poll_seconds
        self.on_problem = on_problem
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- one pass -----------------------------------------------------------------------------

    def poll_once(self, source: Source) -> PollReport:
        """Fetch what is new for ``source`` from its checkpoint and store it; failures are recorded."""
        report = PollReport(source.key)
        try:
            for page in source.poll(self.checkpoints.cursor(source.key)):
                self.store_page(source, page, report)
        except Exception as error:  # any failure of one source is its own: record it and go on
            self._failed(source, error, report)
        return report

    def listen_once(self, source: Source) -> PollReport:
        """Follow ``source``'s stream until it drops; the drop is recorded like any failure."""
        report = PollReport(source.key)
        try:
            for page in source.listen(self.checkpoints.cursor(source.key)):
                self.store_page(source, page, report)
                if self._stop.is_set():
                    return report
            raise StreamDropped(f"{source.network}: the stream ended")
        except Exception as error:
            if not self._stop.is_set():
                self._failed(source, error, report)
        return report

    def store_page(self, source: Source, page: Page, report: PollReport | None = None) -> PollReport:
        """Store one page exactly once, then move the source's checkpoint past it."""
        report = report or PollReport(source.key)
        brand = None if source.brand == ALL_BRANDS else source.brand  # else each record names its own
        ingested = self.ingestor.ingest(
            page.records, origin=f"source:{source.key}", brand=brand, on_problem=self.on_problem
        )
        self.checkpoints.saved(
            source.key,
            source.network,
            source.brand,
            page.cursor,
            stored=ingested.stored,
            quarantined=ingested.quarantined,
            newest=page.newest,
        )
        report.pages += 1
        report.read += ingested.read
        report.stored += ingested.stored
        report.quarantined += ingested.quarantined
        report.problems.extend(ingested.problems)
        return report

    def _failed(self, source: Source, error: Exception, report: PollReport) -> None:
        message = str(error) or type(error).__name__
        report.error = message
        report.retry_after = error.retry_after if isinstance(error, RateLimited) else None
        failures = self.checkpoints.failed(source.key, source.network, source.brand, message)
        log.warning("source %s failed (%d in a row): %s", source.key, failures, message)

    # -- continuously ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run every source in its own thread until :meth:`stop`."""
        for source in self.sources:
            thread = threading.Thread(
                target=self._run, args=(source,), name=f"source {source.key}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for source in self.sources:
            try:
                source.close()
            except Exception:
                log.exception("closing %s", source.key)
        # One deadline for all: a stream that only notices the stop at its next heartbeat (Mastodon's
        # come every 15 s) must not hold the shutdown for each source in turn. Threads are daemons.
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _run(self, source: Source) -> None:
        failures = 0
        while not self._stop.is_set():
            report = self.listen_once(source) if source.live else self.poll_once(source)
            if self._stop.is_set():
                return
            if report.pages:
                failures = 0  # a stream that delivered before it dropped was healthy until then
            if report.error is None:
                failures = 0
                # A live source that returned cleanly was stopped; a poller waits for its next turn.
                self._stop.wait(self.poll_seconds)
                continue
            failures += 1
            delay = self.backoff.delay(failures, report.retry_after)
            log.info("source %s: next try in %.1fs", source.key, delay)
            self._stop.wait(delay)
