"""Recorded exports as they come: gzip-compressed (.jsonl.gz, or renamed, or on stdin) and without
follower counts, through `stormwatch detect`, `analyze` and `ingest`."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select

from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Store

from .stream_fixtures import START, firestorm, in_time_order, ordinary_days

ONSET = START + timedelta(hours=30, minutes=10)


def _lines(records: list[dict[str, Any]], *extra: str) -> bytes:
    return ("".join(json.dumps(r) + "\n" for r in records) + "".join(extra)).encode()


def _without_followers(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "author_followers"} for r in records]


class Run(NamedTuple):
    stdout: str
    stderr: str


def _stormwatch(*args: str, stdin: bytes | None = None) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "stormwatch", *args],
        input=stdin,
        capture_output=True,
        timeout=180,
        check=False,
    )
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, stderr
    return Run(stdout, stderr)


def test_detect_reads_gzip_by_name_by_magic_bytes_and_on_stdin_with_the_same_result(tmp_path: Path) -> None:
    records = _without_followers(in_time_order(ordinary_days(), firestorm(ONSET)))
    plain = tmp_path / "stream.jsonl"
    plain.write_bytes(_lines(records))
    packed = tmp_path / "stream.jsonl.gz"
    packed.write_bytes(gzip.compress(_lines(records)))
    renamed = tmp_path / "export.dat"  # gzip whatever the name
    renamed.write_bytes(packed.read_bytes())

    expected = _stormwatch("detect", str(plain)).stdout
    assert expected
    assert _stormwatch("detect", str(packed)).stdout == expected
    assert _stormwatch("detect", str(renamed)).stdout == expected
    assert _stormwatch("detect", "-", stdin=packed.read_bytes()).stdout == expected

    opened = json.loads(expected.splitlines()[0])
    # No follower counts in the stream: reach is unknown, never "0 followers".
    assert "reach is unknown" in opened["reason"]
    assert "followers unknown" in opened["reason"]
    assert " 0 followers" not in opened["reason"]


def test_detect_reports_the_right_lines_of_a_gzip_stream_and_where_it_was_cut(tmp_path: Path) -> None:
    records = ordinary_days(hours=2)
    body = _lines(records, "{broken\n", json.dumps({"id": "x", "text": "no time"}) + "\n")
    whole = gzip.compress(body + _lines(records[:50]))
    packed = tmp_path / "stream.jsonl.gz"
    packed.write_bytes(whole)
    result = _stormwatch("detect", str(packed))
    assert f"line {len(records) + 1}" in result.stderr and "not valid JSON" in result.stderr
    assert f"line {len(records) + 2}, field created_at" in result.stderr

    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) - 40])  # a download that broke off
    result = _stormwatch("detect", str(cut))
    assert "compressed file damaged or cut off" in result.stderr


def test_analyze_reads_gzip(tmp_path: Path) -> None:
    records = ordinary_days(hours=1)
    packed = tmp_path / "stream.jsonl.gz"
    packed.write_bytes(gzip.compress(_lines(records, "{broken\n")))
    out = tmp_path / "out.jsonl"
    result = _stormwatch("analyze", str(packed), "-o", str(out), "--fast-only")
    analysed = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in analysed] == [r["id"] for r in records]
    assert all(r["sentiment"] in ("negative", "neutral", "positive") for r in analysed)
    assert f"line {len(records) + 1}:" in result.stderr


def _ingest(path: Path, url: str) -> Run:
    config = path.with_name("workspace.toml")
    config.write_text('[[brands]]\nname = "Acme"\n', encoding="utf-8")
    return _stormwatch("ingest", str(path), "--brand", "Acme", "--config", str(config), "--database", url)


def test_ingest_of_a_gzip_export_keeps_unknown_followers_unknown_and_its_line_numbers(tmp_path: Path) -> None:
    records = ordinary_days(hours=2)
    records[0] = {k: v for k, v in records[0].items() if k != "author_followers"}
    export = tmp_path / "export.jsonl.gz"
    export.write_bytes(gzip.compress(_lines(records[:10], "{broken\n") + _lines(records[10:])))
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    _ingest(export, url)
    _ingest(export, url)  # again: adds nothing
    store = Store.open(url)
    with store.session() as session:
        followers = {
            row[0]: row[1] for row in session.execute(select(Mention.external_id, Mention.author_followers))
        }
        quarantined = session.execute(select(QuarantinedRecord.line, QuarantinedRecord.error)).all()
    store.engine.dispose()
    assert len(followers) == len(records)
    assert followers[records[0]["id"]] is None  # unknown, not 0
    assert followers[records[1]["id"]] == records[1]["author_followers"]
    assert [line for line, _ in quarantined] == [11]


def test_a_cut_off_gzip_export_stores_what_it_holds_then_the_whole_file_adds_the_rest(tmp_path: Path) -> None:
    records = ordinary_days(hours=4)
    whole = gzip.compress(_lines(records))
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    cut = tmp_path / "export.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    _ingest(cut, url)
    store = Store.open(url)
    with store.session() as session:
        stored_from_cut = len(session.scalars(select(Mention.id)).all())
        problems = session.execute(select(QuarantinedRecord.line, QuarantinedRecord.error)).all()
    assert 0 < stored_from_cut < len(records)
    assert len(problems) == 1
    line, error = problems[0]
    assert line == stored_from_cut + 1 and "cut off" in error  # the line where the data breaks off

    cut.write_bytes(whole)  # the complete download, under the same name
    _ingest(cut, url)
    with store.session() as session:
        ids = session.scalars(select(Mention.external_id)).all()
    store.engine.dispose()
    assert sorted(ids) == sorted(r["id"] for r in records)  # each record once
