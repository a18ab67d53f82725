"""A Polish team reads why ingest quarantined a record in Polish (issue 23); the quarantine keeps
the English, and the file, line and field stay as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.ingest.models import QuarantinedRecord
from stormwatch.ingest.parsing import RecordError, parse_mention
from stormwatch.store.db import Store

WORKSPACE = '[workspace]\nname = "Agencja"\n\n[[brands]]\nname = "Polana"\nlanguages = ["pl"]\n'
RECORDS = (
    '{"id": "1", "text": "Kawa super", "created_at": "2026-03-02T10:00:00Z", "brand": "Polana"}\n'
    '{"id": "2", "text": "", "created_at": "2026-03-02T10:01:00Z", "brand": "Polana"}\n'
    '{"id": "3", "text": "Kolejka", "created_at": "wczoraj", "brand": "Polana"}\n'
    '{"id": "4", "text": "Obok", "created_at": "2026-03-02T10:02:00Z", "brand": "Kawiarnia Obok"}\n'
    '{"id": "5", "text": "Lajki", "created_at": "2026-03-02T10:03:00Z", "brand": "Polana", "likes": -1}\n'
    "[1, 2]\n"
)


def test_ingest_says_each_quarantined_record_in_polish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORMWATCH_LANGUAGE", "pl")
    (tmp_path / "agency.toml").write_text(WORKSPACE, encoding="utf-8")
    (tmp_path / "eksport.jsonl").write_text(RECORDS, encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'sw.db'}"
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            str(tmp_path / "eksport.jsonl"),
            "--config",
            str(tmp_path / "agency.toml"),
            "--database",
            database,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("w kwarantannie: ")]
    assert len(lines) == 5, result.output
    said = "\n".join(lines)
    assert "eksport.jsonl:2: text: brak lub puste" in said
    assert "eksport.jsonl:3: created_at: to nie jest czas ISO 8601: 'wczoraj'" in said
    assert (
        "eksport.jsonl:4: brand: 'Kawiarnia Obok' nie jest marką tej przestrzeni roboczej (marki: Polana)"
        in said
    )
    assert ":5: likes: oczekiwano liczby całkowitej od 0 do" in said
    assert "eksport.jsonl:6: oczekiwano obiektu JSON, jest list" in said
    for english in ("missing", "expected", "not a brand", "quarantined "):
        assert english not in said
    summary = [
        line for line in result.output.splitlines() if line.startswith(str(tmp_path / "eksport.jsonl"))
    ]
    assert summary == [
        f"{tmp_path / 'eksport.jsonl'}: odczytane: 6, nowe zapisane: 1, pominięte (już zapisane): 0, "
        "w kwarantannie: 5 (przestrzeń robocza 'Agencja')"
    ], result.output
    store = Store.open(database)
    with store.session() as session:
        kept = dict(session.execute(select(QuarantinedRecord.line, QuarantinedRecord.error)).all())
    store.engine.dispose()
    assert kept[2] == "missing or empty" and kept[3] == "not an ISO 8601 time: 'wczoraj'"


def test_a_record_error_keeps_its_english_message() -> None:
    with pytest.raises(RecordError) as caught:
        parse_mention({"text": "x", "created_at": "2026-03-02T10:00:00Z", "author": "@" + "a" * 500})
    assert caught.value.field == "author" and caught.value.message.startswith("longer than ")
    assert caught.value.phrase.said_in("pl").startswith("dłuższe niż ")
