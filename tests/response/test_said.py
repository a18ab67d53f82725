"""`crisis list`, `crisis show` and `status` in Polish (issue 23): ``--language pl`` or
STORMWATCH_LANGUAGE, statuses, steps, roles and the timeline in the crisis room's words, and times
in the team's zone (a Polish-only brand's team reads Warsaw time)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.i18n import format as fmt
from stormwatch.i18n.catalogue import has
from stormwatch.response import cli as response_cli
from stormwatch.response import said

WORKSPACE = """
[workspace]
name = "Agencja"

[[brands]]
name = "Polana"
languages = ["pl"]

[[people]]
name = "Ola"
roles = ["owner", "comms"]
"""


@pytest.fixture
def crisis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, list[str], str]:
    monkeypatch.setattr(response_cli.out, "width", 200)  # whole cells, to read them
    config = tmp_path / "workspace.toml"
    config.write_text(WORKSPACE, encoding="utf-8")
    common = ["--database", f"sqlite:///{tmp_path / 'sw.db'}", "--config", str(config)]
    runner = CliRunner()
    opened = runner.invoke(
        app, ["crisis", "open", "Polana", "--reason", "Zimna kawa", "--as", "Ola", *common]
    )
    assert opened.exit_code == 0, opened.output
    key = opened.output.strip()
    assert runner.invoke(app, ["crisis", "ack", key, "--as", "Ola", *common]).exit_code == 0
    return runner, common, key


def test_crisis_list_and_show_speak_polish_with_warsaw_times(
    crisis: tuple[CliRunner, list[str], str],
) -> None:
    runner, common, key = crisis
    listed = runner.invoke(app, ["crisis", "list", "--language", "pl", *common])
    assert listed.exit_code == 0, listed.output
    assert key in listed.output and "przyjęty" in listed.output and "przyczyna" in listed.output
    assert "acknowledged" not in listed.output and "owner" not in listed.output
    shown = runner.invoke(app, ["crisis", "show", key, "--language", "pl", *common])
    assert shown.exit_code == 0, shown.output
    for polish in ("Kroki", "Oś czasu", "waga", "termin", "kto"):
        assert polish in shown.output, polish
    for english in ("Steps", "Timeline", "severity", "acknowledged", " due "):
        assert english not in shown.output, english
    now = datetime.now(UTC)
    assert fmt.local_datetime(now, ZoneInfo("Europe/Warsaw"), "pl")[:10] in shown.output  # "5 gru 2026"
    assert "UTC" not in shown.output


def test_the_environment_chooses_the_language_and_an_unknown_one_is_a_usage_error(
    crisis: tuple[CliRunner, list[str], str],
) -> None:
    runner, common, _ = crisis
    database = common[:2]
    polish = runner.invoke(app, ["status", *database], env={"STORMWATCH_LANGUAGE": "pl"})
    assert polish.exit_code == 0 and "Agencja: czeka na analizę: 0" in polish.output
    english = runner.invoke(app, ["status", "--language", "en", *database], env={"STORMWATCH_LANGUAGE": "pl"})
    assert "0 pending, 0 set aside, 1 open crises" in english.output
    wrong = runner.invoke(app, ["crisis", "list", "--language", "de", *common])
    assert wrong.exit_code == 2 and "--language" in wrong.output


def test_a_refusal_and_what_was_done_are_printed_in_polish(crisis: tuple[CliRunner, list[str], str]) -> None:
    runner, common, _ = crisis
    refused = runner.invoke(
        app, ["crisis", "note", "no-such-key", "x", *common], env={"STORMWATCH_LANGUAGE": "pl"}
    )
    assert refused.exit_code == 1 and "nie ma kryzysu 'no-such-key'" in refused.output
    _, _, key = crisis
    noted = runner.invoke(
        app, ["crisis", "note", key, "Dzwonimy", *common], env={"STORMWATCH_LANGUAGE": "pl"}
    )
    assert noted.exit_code == 0 and f"dodano notatkę do {key}" in noted.output  # what was done, too


def test_every_word_said_prints_has_a_polish_translation() -> None:
    tree = ast.parse(Path(said.__file__).read_text(encoding="utf-8"))
    literal = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in ("_", "translate")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    words = (
        literal
        | set(
            said.LIST_COLUMNS
            + said.STEP_COLUMNS
            + said.TIMELINE_COLUMNS
            + said.REPLY_COLUMNS
            + said.PEOPLE_COLUMNS
        )
        | {"Steps", "Timeline"}
    )
    assert len(words) > 20
    assert sorted(w for w in words if not has(w, "pl")) == []


def test_crisis_review_speaks_polish(crisis: tuple[CliRunner, list[str], str]) -> None:
    runner, common, key = crisis
    assert runner.invoke(app, ["crisis", "status", key, "resolved", "--as", "Ola", *common]).exit_code == 0
    reviewed = runner.invoke(
        app,
        ["crisis", "review", key, "--worked", "Szybko", "--as", "Ola", *common],
        env={"STORMWATCH_LANGUAGE": "pl"},
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert "minuty do przyjęcia: 0" in reviewed.output and "nastroje dzień przed" in reviewed.output
    assert "Przyjęto po 0 min, w czasie planu działania." in reviewed.output
    for english in ("minutes", "sentiment", "Acknowledged", "mentions"):
        assert english not in reviewed.output, english


def test_crisis_show_says_the_level_now_when_it_eased_since_its_reason() -> None:
    escalated = {"data": {"signal": "negative_surge", "observed": 40, "expected": 4, "severity": 4}}
    eased = {"data": {"severity": 1}}
    detail = {"reason": "Escalated from severity 3 to 4.", "severity": 1, "timeline": [escalated, eased]}
    assert said.reason(detail, "en") == (
        "Escalated from severity 3 to 4. Eased since to severity 1: no warning sign has held it at 4."
    )
    assert said.reason(detail, "pl").endswith(
        "Waga 4. Od tego czasu kryzys osłabł do wagi 1: "
        + ("żaden sygnał ostrzegawczy nie utrzymał go na poziomie 4.")
    )
