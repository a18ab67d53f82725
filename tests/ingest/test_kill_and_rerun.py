"""A kill -9 in the middle of an import, then the same import again: every record stored once."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Store

RECORDS = 40_000
MALFORMED_EVERY = 1_000


def _write_export(path: Path) -> int:
    """The export, gzip-compressed when its name ends in .gz (recorded exports usually are)."""
    malformed = 0
    with (
        gzip.open(path, "wt", encoding="utf-8") if path.suffix == ".gz" else path.open("w", encoding="utf-8")
    ) as out:
        for number in range(RECORDS):
            if number % MALFORMED_EVERY == 999:
                out.write('{"id": "broken", "text": \n')
                malformed += 1
                continue
            record = {
                "id": str(number),
                "source": "twitter",
                "text": f"mention number {number}",
                "created_at": f"2026-03-02T{number % 24:02d}:{number % 60:02d}:00Z",
                "author": f"user{number % 977}",
            }
            out.write(json.dumps(record) + "\n")
    return malformed


def _ingest(path: Path, url: str) -> subprocess.Popen[bytes]:
    config = path.with_name("workspace.toml")
    config.write_text('[workspace]\nname = "Kill test"\n[[brands]]\nname = "Acme"\n', encoding="utf-8")
    command = [sys.executable, "-m", "stormwatch", "ingest", str(path), "--brand", "Acme"]
    command += ["--config", str(config), "--database", url]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _counts(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        mentions = session.scalar(select(func.count()).select_from(Mention)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Mention.external_id)))) or 0
        quarantined = session.scalar(select(func.count()).select_from(QuarantinedRecord)) or 0
    return mentions, distinct, quarantined


def _kill_midway(process: subprocess.Popen[bytes], store: Store) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = _counts(store)[0]
        if stored >= RECORDS // 5:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return stored
        if process.poll() is not None:
            pytest.fail("the import finished before it could be killed; make the file larger")
        time.sleep(0.02)
    pytest.fail("the import stored nothing in two minutes")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["export.jsonl", "export.jsonl.gz"])
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_during_import_then_rerun_stores_each_record_once(
    backend: str, name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'kill.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    export = tmp_path / name
    malformed = _write_export(export)
    store = Store.open(url)

    stored_before_kill = _kill_midway(_ingest(export, url), store)
    assert 0 < stored_before_kill < RECORDS - malformed

    rerun = _ingest(export, url)
    assert rerun.wait(timeout=300) == 0
    assert _counts(store) == (RECORDS - malformed, RECORDS - malformed, malformed)
    store.engine.dispose()
