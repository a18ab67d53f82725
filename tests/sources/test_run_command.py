"""`stormwatch run`: sources, live pipeline and web app in one process on the embedded SQLite."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.sources.servers import serve
from tests.sources.test_rss import FeedServer, _item
from tests.web.test_demo import _free_port


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def _read_token(database: Path) -> str:
    """A read-only API token for the workspace `run` created, made the way a user would."""
    command = [sys.executable, "-m", "stormwatch", "token", "create", "--workspace", "Default workspace"]
    command += ["--name", "test", "--database", str(database)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def _analysed(port: int, token: str, count: int, deadline: float) -> list[dict[str, Any]]:
    """The stored mentions once ``count`` of them are analysed (or what there is at the deadline)."""
    mentions: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        mentions = _get(f"http://127.0.0.1:{port}/api/mentions", token)["items"]
        if len(mentions) == count and all(m.get("sentiment") for m in mentions):
            break
        time.sleep(0.2)
    return mentions


@pytest.mark.slow
def test_run_listens_analyses_and_serves(tmp_path: Path) -> None:
    server = FeedServer(items=[_item(1), _item(2)])
    port = _free_port()
    with serve(server.app()) as url:
        config = tmp_path / "workspace.toml"
        config.write_text(
            f'[sources]\npoll_seconds = 0.5\n\n[[brands]]\nname = "Northwind Air"\nkeywords = ["northwind"]\n\n'
            f'[brands.sources.rss]\nfeeds = ["{url}/feed.xml"]\n\n[brands.sources.trustpilot]\nbusiness_units = ["x"]\n',
            encoding="utf-8",
        )
        command = [
            sys.executable,
            "-m",
            "stormwatch",
            "run",
            "--config",
            str(config),
            "--port",
            str(port),
            "--database",
            str(tmp_path / "run.db"),
        ]
        process = subprocess.Popen(
            command, stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        )
        try:
            assert process.stderr is not None
            for line in process.stderr:
                if "listening on" in line:
                    break
            else:
                pytest.fail("stormwatch run ended early")
            token = _read_token(tmp_path / "run.db")
            deadline = time.monotonic() + 60
            mentions = _analysed(port, token, 2, deadline)
            server.items.append(_item(3))  # the next poll finds it
            mentions = _analysed(port, token, 3, deadline)
            sources = {row["key"]: row for row in _get(f"http://127.0.0.1:{port}/api/sources", token)}
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert len(mentions) == 3 and all(m.get("sentiment") for m in mentions), mentions
    feed = sources[f"rss/Northwind Air/{url}/feed.xml"]
    assert feed["status"] == "ok" and feed["items_stored"] == 3
    assert sources["trustpilot/Northwind Air"]["status"] == "unavailable"
