"""One running Stormwatch: store, live pipelines and (optionally) the web server, opened together.

The configured workspace gets its pipeline at start; any other workspace of the store (an agency
serves several) gets one the first time mentions arrive for it, so each tenant's detectors only
ever see that tenant's mentions.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.service import TextJudge
from stormwatch.ingest.models import Mention
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.service import tick
from stormwatch.sources.registry import Configured
from stormwatch.sources.runner import SourceRunner
from stormwatch.store.db import Store
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.models import Brand, Workspace
from stormwatch.workspace.service import apply_config

log = logging.getLogger(__name__)

PROCESS_EVERY_SECONDS = 1.0
# Pages escalate in minutes, so the response clock need not run as often as the pipeline.
RESPONSE_TICK_EVERY_SECONDS = 10.0


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
    _stop: threading.Event = field(default_factory=threading.Event)
    _pipelines_lock: threading.Lock = field(default_factory=threading.Lock)

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
        runtime = cls(store, workspace_id, judge, live, MentionIngestor(store, workspace_id), playbooks)
        runtime.pipelines[workspace_id] = live
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
        from stormwatch.web.app import create_app

        app = create_app(
            self.store,
            after_push=lambda workspace_id: self.live_for(workspace_id).run_until_idle(),
            public_workspace_id=self.workspace_id if public else None,
            playbooks=self.playbooks,
            sources=self.sources,
            sources_workspace_id=self.workspace_id,
        )
        self.server = BackgroundServer(app, host, port)
        self.server.start()
        return self.server.url

    def run_response_clock(self) -> None:
        """Attach playbooks to new crises, page and escalate, flag overdue steps (see ``tick``)."""
        report = tick(self.store, self.playbooks, send=self.live.send)
        if report.paged or report.overdue:
            log.info("response clock: %s", report)

    def process_all(self) -> int:
        """Analyse every pending mention of this runtime's workspace now; returns how many there were."""
        pending = left = self._pending_count()
        # Batch by batch until none is left (a batch that changes no crisis does not mean the end);
        # a pass that analyses nothing stops the loop rather than spinning.
        while left:
            self.live.process_pending()
            now_left = self._pending_count()
            if now_left >= left:
                log.warning("%d stored mentions could not be analysed", now_left)
                break
            left = now_left
        return pending - left

    def _pending_count(self) -> int:
        with self.store.session() as session:
            return (
                session.scalar(
                    select(func.count(Mention.id))
                    .join(Brand, Brand.id == Mention.brand_id)
                    .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
                    .where(Brand.workspace_id == self.workspace_id, Enrichment.mention_id.is_(None))
                )
                or 0
            )

    def process_in_background(self) -> None:
        """Keep analysing whatever gets stored (imports, pushes) until :meth:`close`."""

        def loop() -> None:
            last_tick = 0.0
            while not self._stop.wait(PROCESS_EVERY_SECONDS):
                with self.store.session() as session:
                    workspace_ids = list(session.scalars(select(Workspace.id)))
                for workspace_id in workspace_ids:
                    self.live_for(workspace_id).run_until_idle()
                if time.monotonic() - last_tick >= RESPONSE_TICK_EVERY_SECONDS:
                    last_tick = time.monotonic()
                    self.run_response_clock()

        threading.Thread(target=loop, name="pipeline", daemon=True).start()

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
        )
        self.listener.start()
        return self.listener

    def close(self) -> None:
        self._stop.set()
        if self.listener is not None:
            self.listener.stop()
        if self.server is not None:
            self.server.stop()
        self.store.engine.dispose()
