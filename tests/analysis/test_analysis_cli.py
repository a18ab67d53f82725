"""The ``analyze`` contract on a small fixture, malformed lines included."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from stormwatch.analysis.cli import register
from stormwatch.analysis.models import CAUSES, SENTIMENTS

FIXTURE = "\n".join(
    [
        json.dumps(
            {
                "id": "a",
                "text": "Obsługa klienta fatalna, czekam tydzień na odpowiedź, nie polecam",
                "brand": "X",
            }
        ),
        "{not json",
        json.dumps({"id": "b", "text": "Love the new update!", "lang": "en", "reach": 120}),
        json.dumps({"id": "c", "lang": "en"}),
        json.dumps({"id": "d", "text": 42}),
        "",
        json.dumps({"id": "e", "text": "Das ist eine Katastrophe, nie wieder"}),
    ]
)


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # keeps typer in multi-command mode
    return app


def test_analyze_adds_judgements_and_keeps_fields(tmp_path: Path) -> None:
    quarantine = tmp_path / "bad.jsonl"
    result = CliRunner().invoke(_app(), ["analyze", "--quarantine", str(quarantine)], input=FIXTURE + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "b", "e"]
    for record in records:
        assert record["sentiment"] in SENTIMENTS
        assert -1.0 <= record["sentiment_score"] <= 1.0
        assert record["cause"] is None or record["cause"] in CAUSES
    assert records[0]["brand"] == "X" and records[0]["lang"] == "pl" and records[0]["sentiment"] == "negative"
    assert (
        records[1]["reach"] == 120 and records[1]["sentiment"] == "positive" and records[1]["cause"] is None
    )
    assert records[2]["lang"] == "de"
    assert "line 2: not valid JSON" in result.stderr
    assert "line 4: field 'text' is missing" in result.stderr
    assert "line 5: field 'text' is not a string" in result.stderr
    assert len(quarantine.read_text().splitlines()) == 3


def test_analyze_files_and_missing_input(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"text": "fine"}) + "\n")
    ok = CliRunner().invoke(_app(), ["analyze", str(source), "-o", str(target), "--fast-only"])
    assert ok.exit_code == 0 and json.loads(target.read_text())["text"] == "fine"
    missing = CliRunner().invoke(_app(), ["analyze", str(tmp_path / "absent.jsonl")])
    assert missing.exit_code == 1


def test_analyze_skips_lines_the_ingest_would_refuse(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [
        json.dumps(
            {
                "id": "deep",
                "text": "x",
                "more": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
            }
        ),
        '{"id": "deeper", "text": ' + "[" * 200_000 + "]" * 200_000 + "}",
        json.dumps({"id": "nul", "text": "bad \x00 byte"}),
        json.dumps({"id": "half", "text": "fine", "author": "lone \ud800"}),
        json.dumps({"id": "ok", "text": "Great service, thank you"}),
    ]
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "bytes", "text": "\xff"}\n')
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(_app(), ["analyze", str(source), "-o", str(target), "--fast-only"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert ids == ["deep", "ok"]
    assert "line 2: nested deeper than 64 levels" in result.stderr
    assert "line 3: field text: contains a NUL character" in result.stderr
    assert "line 4: a field contains a lone surrogate" in result.stderr
    assert "line 6: not valid UTF-8" in result.stderr
