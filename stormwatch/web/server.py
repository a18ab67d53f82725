"""Serving the web app from a background thread, next to the work the command does itself."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI


class BackgroundServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self.app = app
        # Live event streams never end on their own: give them a moment, then close them.
        # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1; the app decides
        # whom to believe (create_app's trusted_proxies).
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3, proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web server could not start on {self.url} (port in use?)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.app.state.stopping = True  # lets the event streams finish their loop
        self.server.should_exit = True
        self.thread.join(timeout=10)
