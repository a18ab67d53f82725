"""The Polish catalogue: every string a user reads has a translation (a new English string without
one fails here), plural forms, local numbers, dates and times (issue 23, item 6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from stormwatch.i18n import format as fmt
from stormwatch.i18n import messages
from stormwatch.i18n.catalogue import has, translate
from stormwatch.playbook.loader import DEFAULTS_DIR, load_playbook_file
from stormwatch.response.lifecycle import STATUSES

TEMPLATES = Path(__file__).resolve().parents[2] / "stormwatch" / "web" / "templates"
LITERAL = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")
CAUSES = (
    "communication error",
    "negative review",
    "controversial action",
    "account compromise",
    "customer service",
)


def _interface_strings() -> set[str]:
    found = {m.group(2) for path in TEMPLATES.glob("*.html") for m in LITERAL.finditer(path.read_text())}
    tables = (
        messages.KIND_LABELS,
        messages.PLACEHOLDER_LABELS,
        messages.TEMPLATE_LABELS,
        messages.CAUSE_WORDS,
        messages.SIGNAL_SENTENCES,
    )
    found |= {text for table in tables for text in table.values()}
    found |= {
        messages.CAUSE_SENTENCE,
        messages.REACH_SENTENCE,
        messages.SEVERITY_SENTENCE,
        messages.EASED_SENTENCE,
        messages.RAISED_SENTENCE,
        messages.UNKNOWN_SIGNAL,
    }
    return found | set(STATUSES) | set(CAUSES) | {"admin", "manager", "analyst", "viewer"}


def _playbook_strings() -> set[str]:
    found: set[str] = set()
    for path in DEFAULTS_DIR.glob("*.yaml"):
        playbook = load_playbook_file(path).playbook
        found |= {playbook.title} | {role.title for role in playbook.roles.values()}
        for step in playbook.all_steps():
            found |= {step.title, *step.checklist}
    return found


def test_every_interface_and_playbook_string_has_a_polish_translation() -> None:
    missing = sorted(text for text in _interface_strings() | _playbook_strings() if not has(text, "pl"))
    assert not missing, f"untranslated: {missing}"


def test_every_timeline_kind_is_said_in_polish() -> None:
    playbook = load_playbook_file(DEFAULTS_DIR / "customer_service.yaml").playbook
    data = {
        "severity": 2, "signal": "negative_surge", "observed": 41, "expected": 1.3, "window_minutes": 10,
        "reach": 12713, "cause": "customer_service", "step": "pause_promotions", "role": "owner", "person": "Ola",
        "previous": "detected", "status": "acknowledged", "draft": 3, "target": "webhook", "other_crisis": "x-1",
        "playbook": "customer_service", "version": 1, "waited": 3.0, "late": 0,
    }  # fmt: skip
    for kind in messages.KIND_LABELS:
        if kind in ("note", "split"):
            continue  # what people typed is shown as typed
        said = messages.timeline_message(
            {"kind": kind, "message": "English words", "data": data}, "pl", playbook
        )
        assert said and "English words" not in said, kind
        assert has(messages.KIND_LABELS[kind], "pl"), kind


@pytest.mark.parametrize(("n", "polish"), [(1, "1 dzień"), (2, "2 dni"), (5, "5 dni"), (22, "22 dni")])
def test_days_take_polish_plural_forms(n: int, polish: str) -> None:
    assert fmt.count(n, "%(num)d day", "%(num)d days", "pl") == polish


def test_mentions_take_the_three_polish_forms_and_english_two() -> None:
    said = [fmt.count(n, "%(num)d mention", "%(num)d mentions", "pl") for n in (1, 3, 5, 22, 25)]
    assert said == ["1 wzmianka", "3 wzmianki", "5 wzmianek", "22 wzmianki", "25 wzmianek"]
    assert fmt.count(1, "%(num)d mention", "%(num)d mentions", "en") == "1 mention"
    assert fmt.count(1234, "%(num)d mention", "%(num)d mentions", "en") == "1,234 mentions"


def test_numbers_dates_and_times_are_local() -> None:
    moment = datetime(2026, 12, 4, 17, 24, tzinfo=UTC)
    warsaw = ZoneInfo("Europe/Warsaw")
    assert fmt.number(1234.5, "pl") == "1\xa0234,5" and fmt.number(1234.5, "en") == "1,234.5"
    assert fmt.local_time(moment, warsaw, "pl") == "18:24"
    assert fmt.local_time(moment, ZoneInfo("UTC"), "en") == "5:24 PM UTC"  # UTC is named, never implied
    assert fmt.local_datetime(moment, warsaw, "pl") == "4 gru 2026, 18:24"
    assert fmt.duration(timedelta(minutes=3), "pl") == "3 minuty"
    assert translate("Timeline", "pl") == "Oś czasu" and translate("Timeline", "en") == "Timeline"


def test_a_reason_says_how_the_level_moved_since_the_moment_it_tells_of() -> None:
    evidence = {"signal": "negative_surge", "observed": 30, "expected": 3, "severity": 3}
    assert messages.reason("Stored.", evidence, "en", 3) == "Stored."
    assert messages.reason("Stored.", evidence, "en") == "Stored."
    assert messages.reason("Stored.", evidence, "en", 4) == "Stored. Raised since to severity 4."
    polish = messages.reason("Stored.", evidence, "pl", 1)
    assert polish.endswith(
        "Waga 3. Od tego czasu kryzys osłabł do wagi 1: żaden sygnał ostrzegawczy nie utrzymał go na poziomie 3."
    )
    assert messages.reason("Opened by hand: a call.", None, "pl", 1) == "Opened by hand: a call."
