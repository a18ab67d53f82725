"""The bundled demo stream reads like real posts about its two brands, and `detect` tells its story.

Northwind Air's customer-service firestorm opens a crisis; Polana's praise spike (returnable cups)
and its everyday chatter open none, as the README says the demo does.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.demo.runner import SAMPLE_STREAM, WORKSPACE_FILE, replay_start

OTHER_AIRLINES = re.compile(
    r"\b(united|delta|american airlines|southwest|jetblue|virgin|alaska air|spirit|frontier|"
    r"lufthansa|ryanair|lot polish|@americanair|@usairways)\b",
    re.IGNORECASE,
)
MEDICAL = re.compile(
    r"\b(lekarz\w*|doktor\w*|leki|lek[óu]w|pacjent\w*|szpital\w*|recept\w*)\b", re.IGNORECASE
)
COFFEE_SHOP = re.compile(
    r"kaw|latte|cappuccino|espresso|americano|cortado|flat white|cold brew|matcha|bar(ist|ie)|kub(ek|k)|"
    r"sernik|ciast|cynamon|szarlotk|croissant|brownie|drożdżówk|bułk|tart|mlek|kolejk|stolik|polan",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    with gzip.open(SAMPLE_STREAM, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def test_no_html_entities_and_no_other_airlines(rows: list[dict[str, Any]]) -> None:
    assert not [r["text"] for r in rows if re.search(r"&(amp|lt|gt|quot|#\d+);", r["text"])]
    northwind = [r["text"] for r in rows if r["brand"] == "Northwind Air"]
    assert not [text for text in northwind if OTHER_AIRLINES.search(text)]


def test_polana_posts_are_polish_posts_about_coffee(rows: list[dict[str, Any]]) -> None:
    polana = [r for r in rows if r["brand"] == "Polana"]
    assert {r["lang"] for r in polana} == {"pl"}
    assert not [r["text"] for r in polana if MEDICAL.search(r["text"])]
    customers = [r for r in polana if r["author"] != "polana_pl"]
    about_the_cafes = [r for r in customers if COFFEE_SHOP.search(r["text"])]
    assert len(about_the_cafes) >= 0.95 * len(customers)


def test_the_brands_own_accounts_speak_as_brands(rows: list[dict[str, Any]]) -> None:
    own = [r for r in rows if r["author"] in ("northwindair", "polana_pl")]
    assert own, "the brands post and reply"
    for r in own:
        handle = "@northwindair" if r["brand"] == "Northwind Air" else "@polana_pl"
        assert handle not in r["text"], r["text"]  # a brand does not @-mention itself like a customer
    replies = [r for r in own if r.get("reply_to")]
    assert replies and all(r["text"].startswith("@") for r in replies)


def test_history_comes_before_the_replayed_days(rows: list[dict[str, Any]]) -> None:
    start = replay_start()
    assert start is not None
    first_replayed = next(
        r["created_at"] for r in rows if r["created_at"] >= start.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert rows[0]["created_at"] < first_replayed
    history_days = {r["created_at"][:10] for r in rows if r["created_at"] < first_replayed}
    assert len(history_days) == 7


@pytest.mark.slow
def test_detect_opens_the_northwind_crisis_and_none_for_polana() -> None:
    result = CliRunner().invoke(app, ["detect", str(SAMPLE_STREAM), "--config", str(WORKSPACE_FILE)])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    labels = json.loads(SAMPLE_STREAM.with_name("sample_stream.labels.json").read_text(encoding="utf-8"))
    storm = next(e for e in labels["events"] if e["kind"] == "firestorm")
    assert {e["brand"] for e in events} == {"Northwind Air"}, events
    opened = min(e["at"] for e in events)
    assert storm["onset"] <= opened <= storm["end"]
    assert {e["cause"] for e in events} == {"customer_service"}


def test_a_stream_without_labels_is_all_replayed(tmp_path: Path) -> None:
    stream = tmp_path / "mine.jsonl"
    stream.write_text("", encoding="utf-8")
    assert replay_start(stream) is None
    stream.with_name("mine.labels.json").write_text(
        '{"scored_start": "2026-03-02T00:00:00Z"}', encoding="utf-8"
    )
    assert replay_start(stream) == datetime(2026, 3, 2, tzinfo=UTC)


def test_the_brands_answer_most_customers_who_address_them(rows: list[dict[str, Any]]) -> None:
    answered = {
        r["reply_to"] for r in rows if r.get("reply_to") and r["author"] in ("northwindair", "polana_pl")
    }
    addressed = [
        r
        for r in rows
        if r["author"] not in ("northwindair", "polana_pl")
        and re.search(r"@(northwindair|polana_pl)\b", r["text"])
        and r["created_at"] < "2026-03-03T15:40:00Z"  # before the firestorm
    ]
    share = sum(r["id"] in answered for r in addressed) / len(addressed)
    assert share > 0.85, share
