"""A replay is the live stream: `stormwatch detect` and the live service over a store open the same
crises, with the same keys, kinds, severities and times, on the bundled demo stream.

The live side is fed as the demo feeds it (small batches as the accelerated clock lets them through,
stored, then analysed from the backlog), so batch boundaries differ from detect's on purpose."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.demo.runner import SAMPLE_STREAM, WORKSPACE_FILE, replay_sample
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.store.db import Store
from stormwatch.workspace.config import load_config
from stormwatch.workspace.service import apply_config

Event = tuple[str, str, str, int, str]


def _detected() -> list[Event]:
    command = [
        sys.executable,
        "-m",
        "stormwatch",
        "detect",
        str(SAMPLE_STREAM),
        "--config",
        str(WORKSPACE_FILE),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return [(e["brand"], e["crisis_id"], e["event"], e["severity"], e["at"]) for e in lines]


def _live(store: Store) -> list[Event]:
    with store.session() as session:
        workspace_id = apply_config(session, load_config(WORKSPACE_FILE)).id
    live = LivePipeline(store, TextAnalyzer.load(), workspace_id)
    live.warm_up()
    updates = []
    live.on_update = updates.append
    replay_sample(MentionIngestor(store, workspace_id), live, speed=1e9)
    return [
        (u.brand, u.crisis_key, u.kind, u.severity, u.at.isoformat().replace("+00:00", "Z"))
        for u in updates
        if u.kind in ("opened", "escalated")  # what detect prints
    ]


@pytest.mark.slow
def test_detect_and_the_live_service_open_the_same_crises(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        live = _live(store)
    finally:
        store.engine.dispose()
    detected = _detected()
    assert any(event[2] == "opened" for event in detected)
    assert live == detected
