"""One running Stormwatch: store, live pipeline and (optionally) the web server, opened together."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.service import tick
from stormwatch.sources.registry import Configured
from stormwatch.sources.runner import SourceRunner
from stormwatch.store.db import Store
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config

log = logging.getLogger(__name__)

PROCESS_EVERY_SECONDS = 1.0
# Pages escalate in minutes, so the response clock need not run as often as the pipeline.
RESPONSE_TICK_EVERY_SECONDS = 10.0


@dataclass
class Runtime:
    store: Store
    workspace_id: int
    live: LivePipeline
    ingestor: MentionIngestor
    playbooks: PlaybookLibrary = field(default_factory=PlaybookLibrary.load)
    server: BackgroundServer | None = None
    sources: Configured | None = None
    listener: SourceRunner | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(cls, database_url: str | None, workspace: WorkspaceConfig) -> Runtime:
        from stormwatch.analysis.text_analyzer import TextAnalyzer

        store = Store.open(database_url)
        with store.session() as session:
            workspace_id = apply_config(session, workspace).id
        live = LivePipeline(store, TextAnalyzer.load(), workspace_id)
        live.warm_up()
        playbooks = PlaybookLibrary.load(workspace.workspace.playbooks_dir)
        return cls(store, workspace_id, live, MentionIngestor(store, workspace_id), playbooks)

    def serve(self, host: str, port: int) -> str:
        from stormwatch.web.app import create_app

        self.server = BackgroundServer(
            create_app(self.store, self.workspace_id, self.live, self.sources), host, port
        )
        self.server.start()
        return self.server.url

    def process_in_background(self) -> None:
        """Keep analysing whatever gets stored (imports, pushes) until :meth:`close`."""

        def loop() -> None:
            last_tick = 0.0
            while not self._stop.wait(PROCESS_EVERY_SECONDS):
                self.live.run_until_idle()
                if time.monotonic() - last_tick >= RESPONSE_TICK_EVERY_SECONDS:
                    last_tick = time.monotonic()
                    report = tick(self.store, self.playbooks, send=self.live.send)
                    if report.paged or report.overdue:
                        log.info("response clock: %s", report)

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
