"""A `stormwatch sources run` process killed in the middle of a walk resumes from its checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from stormwatch.store.db import Store
from tests.sources.servers import mention_count, serve, stored_ids
from tests.sources.test_x import XServer, _ids, tweet


class SlowXServer(XServer):
    """Pages take a while, so the kill lands in the middle of the walk."""

    def app(self) -> FastAPI:
        inner = super().app()
        outer = FastAPI()
        self.tokens_seen: list[str | None] = []

        @outer.middleware("http")
        async def slow(request: Request, call_next: object) -> Response:
            if request.url.path.endswith("/search/recent"):
                self.tokens_seen.append(request.query_params.get("next_token"))
                time.sleep(0.15)
            return await call_next(request)  # type: ignore[operator, no-any-return]

        outer.mount("/", inner)
        return outer


@pytest.mark.slow
def test_killed_listener_resumes_and_stores_everything_once(tmp_path: Path) -> None:
    server = SlowXServer(tweets=[tweet(n) for n in range(1, 301)])
    database = tmp_path / "kill.db"
    with serve(server.app()) as url:
        config = tmp_path / "workspace.toml"
        config.write_text(
            f'[sources]\npoll_seconds = 3600\n\n[[brands]]\nname = "Northwind Air"\n\n'
            f'[brands.sources.x]\nquery = "northwind"\nbase_url = "{url}"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "X_BEARER_TOKEN": "app-token",
            "STORMWATCH_DATABASE_URL": f"sqlite:///{database}",
        }
        command = [sys.executable, "-m", "stormwatch", "sources", "run", "--config", str(config)]
        listener = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        store = Store.open(f"sqlite:///{database}")
        deadline = time.monotonic() + 60
        while mention_count(store) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        listener.send_signal(signal.SIGKILL)
        listener.wait(timeout=10)
        stored_at_kill = mention_count(store)
        requests_before = len(server.tokens_seen)
        rerun = subprocess.run([*command, "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert 60 <= stored_at_kill < 300
    assert server.tokens_seen[requests_before] is not None  # resumed mid-walk, not from the newest page
    assert stored_ids(store) == _ids(range(1, 301))
    store.engine.dispose()
