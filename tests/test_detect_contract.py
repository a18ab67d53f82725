"""The `stormwatch detect` contract, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from .stream_fixtures import START, firestorm, in_time_order, ordinary_days, praise

ONSET = START + timedelta(hours=30, minutes=10)


def _detect(
    tmp_path: Path, records: list[dict[str, Any]], *extra_lines: str
) -> subprocess.CompletedProcess[str]:
    stream = tmp_path / "stream.jsonl"
    stream.write_text("".join(json.dumps(r) + "\n" for r in records) + "".join(extra_lines), encoding="utf-8")
    command = [sys.executable, "-m", "stormwatch", "detect", str(stream)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_a_firestorm_opens_one_crisis_with_a_reason(tmp_path: Path) -> None:
    result = _detect(tmp_path, in_time_order(ordinary_days(), firestorm(ONSET)))
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events, result.stderr
    opened = events[0]
    assert set(opened) >= {"brand", "crisis_id", "at", "severity", "cause", "reason"}
    assert opened["brand"] == "Northwind Air"
    assert 1 <= opened["severity"] <= 4
    fired = opened["at"]
    assert ONSET.isoformat().replace("+00:00", "Z") <= fired <= (ONSET + timedelta(minutes=15)).isoformat()
    assert "Negative mentions of Northwind Air rose to" in opened["reason"]
    assert "Examples: " in opened["reason"]
    examples = [example for event in events for example in event["example_ids"]]
    assert any(example.startswith("t1000") for example in examples)  # posts of the storm
    assert opened["cause"] in {"customer_service", "negative_review"}
    assert {event["crisis_id"] for event in events} == {opened["crisis_id"]}
    severities = [event["severity"] for event in events]
    assert severities == sorted(severities) and len(set(severities)) == len(severities)  # only rises


def test_praise_and_ordinary_days_open_nothing(tmp_path: Path) -> None:
    result = _detect(tmp_path, in_time_order(ordinary_days(), praise(ONSET)))
    assert result.stdout == ""


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    records = ordinary_days(hours=2)
    result = _detect(tmp_path, records, "{broken\n", json.dumps({"id": "x", "text": "no time"}) + "\n")
    assert f"line {len(records) + 1}" in result.stderr and "not valid JSON" in result.stderr
    assert f"line {len(records) + 2}, field created_at" in result.stderr


def test_a_record_dated_year_1_or_9999_is_skipped_and_the_replay_goes_on(tmp_path: Path) -> None:
    """Issue 25: one such line stopped every replay with an OverflowError."""
    records = in_time_order(ordinary_days(), firestorm(ONSET))
    extremes = [
        json.dumps({"id": "old", "text": "x", "created_at": "0001-01-01T00:00:00Z", "author": "a"}) + "\n",
        json.dumps({"id": "late", "text": "x", "created_at": "9999-12-31T23:59:59Z", "author": "a"}) + "\n",
        '{"text": ' + "[" * 200_000 + "]" * 200_000 + "}\n",
    ]
    stream = tmp_path / "stream.jsonl"
    lines = [json.dumps(r) + "\n" for r in records]
    stream.write_text("".join(extremes[:2] + lines + extremes[2:]), encoding="utf-8")
    command = [sys.executable, "-m", "stormwatch", "detect", str(stream)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert "line 1, field created_at: 0001-01-01T00:00:00+00:00 is before 2006-01-01" in result.stderr
    assert "line 2, field created_at" in result.stderr and "in the future" in result.stderr
    assert f"line {len(records) + 3}: nested deeper than 64 levels" in result.stderr
    assert json.loads(result.stdout.splitlines()[0])["brand"] == "Northwind Air"
