"""`stormwatch demo` starts, serves the dashboard, opens the firestorm crisis and not the praise one."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from typing import Any

import pytest

from stormwatch.demo.runner import SAMPLE_STREAM

LABELS = json.loads(SAMPLE_STREAM.with_name("sample_stream.labels.json").read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


@pytest.mark.slow
def test_demo_serves_the_dashboard_and_opens_only_the_firestorm() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "stormwatch", "demo", "--speed", "20000", "--port", str(port)]
    demo = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    output: list[str] = []
    try:
        assert demo.stderr is not None
        for line in demo.stderr:
            output.append(line)
            if "Replay finished" in line:
                break
        else:
            pytest.fail("the demo ended early:\n" + "".join(output))
        page = _get(f"http://127.0.0.1:{port}/")
        crises: list[dict[str, Any]] = json.loads(_get(f"http://127.0.0.1:{port}/api/crises"))
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    assert "Stormwatch" in page and "Northwind Air" in page and "Polana" in page
    firestorm = next(e for e in LABELS["events"] if e["kind"] == "firestorm")
    assert [c["brand"] for c in crises] == ["Northwind Air"], "".join(output)
    opened = crises[0]["opened_at"]
    assert firestorm["onset"] <= opened <= firestorm["end"]
    assert any("NEW CRISIS Northwind Air" in line for line in output)
