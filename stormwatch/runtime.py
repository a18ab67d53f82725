"""One running Stormwatch: store, live pipelines and (optionally) the web server, opened together.

The configured workspace gets its pipeline at start; any other workspace of the store (an agency
serves several) gets one the first time mentions arrive for it, so each tenant's detectors only
ever see that tenant's mentions.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from sqlalchemy import select

from stormwatch.analysis.service import TextJudge
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import BatchOutcome, LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.service import tick
from stormwatch.sources.registry import Configured
from stormwatch.sources.runner import SourceRunner
from stormwatch.store.db import Store
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import ReportSettings, ServerSettings, WorkspaceConfig
from stormwatch.workspace.models import Workspace
from stormwatch.workspace.service import apply_config

log = logging.getLogger(__name__)
T = TypeVar("T")

PROCESS_EVERY_SECONDS = 1.0
# The web server's threads and the analysis share one interpreter lock. A request gives the lock up
# at every database call and socket write, and then waits for the analysis (pure computation, which
# never gives it up on its own) to be told to let go: 5 ms each time by default, many times per
# push. A shorter interval shortens each wait; the analysis loses little, as it is only interrupted
# while a request wants the lock.
SWITCH_INTERVAL_SECONDS = 0.0005
# Pages escalate in minutes, so the response clock need not run as often as the pipeline.
RESPONSE_TICK_EVERY_SECONDS = 10.0
REPORT_CHECK_EVERY_SECONDS = 900.0  # scheduled reviews are due by the day: a quarter-hour is plenty


@dataclass
class Runtime:
    store: Store
    workspace_id: int
    judge: TextJudge
    live: LivePipeline
    ingestor: MentionIngestor
    playbooks: PlaybookLibrary = field(default_factory=PlaybookLibrary.load)
    server: BackgroundServer | None = None
    pipelines: dict[int, LivePipeline] = field(default_factory=dict)
    sources: Configured | None = None
    listener: SourceRunner | None = None
    server_settings: ServerSettings = field(default_factory=ServerSettings)
    report_settings: ReportSettings = field(default_factory=ReportSettings)
    _stop: threading.Event = field(default_factory=threading.Event)
    _pipelines_lock: threading.Lock = field(default_factory=threading.Lock)
    _work: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(cls, database_url: str | None, workspace: WorkspaceConfig) -> Runtime:
        from stormwatch.analysis.text_analyzer import TextAnalyzer

        store = Store.open(database_url)
        with store.session() as session:
            workspace_id = apply_config(session, workspace).id
        judge = TextAnalyzer.load()
        live = LivePipeline(store, judge, workspace_id)
        live.warm_up()
        playbooks = PlaybookLibrary.load(workspace.workspace.playbooks_dir)
        window = workspace.ingest.window()
        ingestor = MentionIngestor(store, workspace_id, window=window)
        runtime = cls(store, workspace_id, judge, live, ingestor, playbooks)
        runtime.pipelines[workspace_id] = live
        runtime.server_settings = workspace.server
        runtime.report_settings = workspace.report
        return runtime

    def live_for(self, workspace_id: int) -> LivePipeline:
        with self._pipelines_lock:
            pipeline = self.pipelines.get(workspace_id)
            if pipeline is None:
                pipeline = LivePipeline(self.store, self.judge, workspace_id)
                pipeline.warm_up()
                self.pipelines[workspace_id] = pipeline
            return pipeline

    def serve(self, host: str, port: int, *, public: bool = False) -> str:
        """Start the web app; ``public`` lets visitors see this workspace read-only (the demo)."""
        from stormwatch.drill.api import DrillDriver
        from stormwatch.web.app import create_app

        app = create_app(
            self.store,
            # Pushes are only stored in the request; the background loop analyses them (see notify).
            after_push=self.notify,
            public_workspace_id=self.workspace_id if public else None,
            playbooks=self.playbooks,
            sources=self.sources,
            sources_workspace_id=self.workspace_id,
            window=self.ingestor.window,
            trusted_proxies=self.server_settings.trusted_proxies,
            report=self.report_settings,
            drills=DrillDriver(self.live_for, self.playbooks, self.live.send),
        )
        self.server = BackgroundServer(app, host, port)
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
        self.server.start()
        return self.server.url

    def run_response_clock(self) -> None:
        """Attach playbooks to new crises, page and escalate, flag overdue steps (see ``tick``)."""
        report = tick(self.store, self.playbooks, send=self.live.send)
        if report.paged or report.overdue:
            log.info("response clock: %s", report)

    def notify(self, workspace_id: int) -> None:
        """New mentions were stored (a push): wake the background loop now rather than in a second."""
        self._work.set()

    def process_all(self) -> int:
        """Analyse every pending mention of this runtime's workspace now; returns how many were
        analysed (mentions set aside with their reason are not counted)."""
        analysed = 0
        while (outcome := self.live.step()).processed or outcome.set_aside:
            analysed += outcome.processed
        return analysed

    def process_in_background(self, *, response_clock: bool = True) -> None:
        """Keep analysing whatever gets stored (imports, pushes) until :meth:`close`; and run the
        response clock on wall time unless ``response_clock`` is off (a caller that runs it itself)."""

        def loop() -> None:
            last_tick = 0.0
            while not self._stop.is_set():
                self._work.clear()  # before the round: a push during it wakes the next one
                busy = self.drain_round()
                busy = bool(self._guarded("drills", self.run_drills)) or busy
                if response_clock and time.monotonic() - last_tick >= RESPONSE_TICK_EVERY_SECONDS:
                    last_tick = time.monotonic()
                    self._guarded("the response clock", self.run_response_clock)
                if not busy:
                    self._work.wait(PROCESS_EVERY_SECONDS)

        threading.Thread(target=loop, name="pipeline", daemon=True).start()
        if self.report_settings.schedule:
            # A thread of its own: printing a review's PDF takes seconds the analysis should not wait.
            threading.Thread(target=self._report_loop, name="reports", daemon=True).start()

    def _report_loop(self) -> None:
        while not self._stop.is_set():
            self._guarded("the scheduled reports", self.send_reports)
            self._stop.wait(REPORT_CHECK_EVERY_SECONDS)

    def send_reports(self) -> None:
        """Send the workspace file's scheduled reviews that are due, each once per period."""
        from stormwatch.report.schedule import send_due

        for outcome in send_due(self.store, self.workspace_id, self.report_settings):
            log.info("scheduled review %s %s: %s", outcome.schedule, outcome.period, outcome.status)

    def drain_round(self) -> bool:
        """One batch for every workspace with a backlog, in turn, so that a large backlog or a failing
        workspace never holds up the others; True when any work was done."""
        workspace_ids = self._guarded("listing workspaces", self._workspace_ids) or []
        busy = False
        for workspace_id in workspace_ids:
            outcome = self._guarded(f"workspace {workspace_id}", partial(self._step, workspace_id))
            busy = busy or bool(outcome and (outcome.processed or outcome.set_aside))
        return busy

    def run_drills(self) -> bool:
        """Advance every running drill: due injects stored, analysed on its own pipeline, its crises
        ticked on the drill's clock; True when any post was injected."""
        from stormwatch.drill.service import advance_all

        return advance_all(self.store, self.playbooks, self.live_for, send=self.live.send) > 0

    def _step(self, workspace_id: int) -> BatchOutcome:
        return self.live_for(workspace_id).step()

    def _workspace_ids(self) -> list[int]:
        with self.store.session() as session:
            # A drill workspace is driven by its drill's runner, on the drill's clock (run_drills).
            return list(
                session.scalars(select(Workspace.id).where(Workspace.drill.is_(False)).order_by(Workspace.id))
            )

    @staticmethod
    def _guarded(what: str, action: Callable[[], T]) -> T | None:
        """Run one part of the loop; a failure is logged and the loop goes on (retried next round)."""
        try:
            return action()
        except Exception:
            log.exception("%s failed; retrying on the next round", what)
            return None

    def listen(self, workspace: WorkspaceConfig, sources: Configured) -> SourceRunner:
        """Start every configured source, each in its own thread, storing into this runtime's store."""
        from stormwatch.sources.reliability import Backoff

        settings = workspace.sources
        self.sources = sources
        self.listener = SourceRunner(
            self.store,
            self.workspace_id,
            sources.sources,
            backoff=Backoff(settings.backoff_initial_seconds, settings.backoff_max_seconds),
            poll_seconds=settings.poll_seconds,
            window=workspace.ingest.window(),
        )
        self.listener.start()
        return self.listener

    def close(self) -> None:
        self._stop.set()
        self._work.set()
        if self.listener is not None:
            self.listener.stop()
        if self.server is not None:
            self.server.stop()
        self.store.engine.dispose()
