"""Playbook files: the bundled ones are complete; broken ones are refused with file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stormwatch.analysis.models import CAUSES
from stormwatch.cli import app
from stormwatch.playbook.loader import DEFAULTS_DIR, PlaybookError, PlaybookLibrary, load_playbook_file

GOOD = (DEFAULTS_DIR / "generic.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_playbooks_cover_every_cause_in_both_languages() -> None:
    library = PlaybookLibrary.load()
    assert library.problems == []
    for cause in CAUSES:
        assert library.for_cause(cause).playbook.name == cause
    assert library.for_cause(None).playbook.name == "generic"
    for loaded in library.playbooks.values():
        playbook = loaded.playbook
        assert "holding_statement" in playbook.templates, playbook.name
        assert all(set(texts) == {"en", "pl"} for texts in playbook.templates.values())
        assert playbook.rule_for(1).from_severity == 1 and playbook.rule_for(4).ack_within_minutes <= 5
        assert [s.due_minutes for s in playbook.all_steps()] == sorted(
            s.due_minutes for s in playbook.all_steps()
        )
    hacked = library.get("account_compromise").playbook
    assert {"lock_account", "revoke_sessions", "notify_platform", "inform_users"} <= {
        step.id for step in hacked.security_steps
    }


@pytest.mark.parametrize(
    ("edit", "needle", "reason"),
    [
        (lambda t: t.replace("due_minutes: 15", "due_minutes: soon", 1), "due_minutes: soon", "valid integer"),
        (lambda t: t.replace("role: comms\n    due_minutes: 30", "role: intern\n    due_minutes: 30"), "role: intern", "role 'intern' is not defined"),
        (lambda t: t.replace("We know that {issue}", "We know that {isue}"), "We know that {isue}", "unknown placeholder {isue}"),  # reported at its 'en:' key
        (lambda t: t.replace("ack_within_minutes: 30", "ack_within_minutes: -5"), "ack_within_minutes: -5", "greater than 0"),
        (lambda t: t.replace("    chain: [owner, lead]\n    update_every_minutes: 240", "    chain: [owner, boss]\n    update_every_minutes: 240"), "chain: [owner, boss]", "role 'boss'"),
        (lambda t: t.replace("applies_to: []", "applies_to: [weather]"), "applies_to: [weather]", "unknown cause 'weather'"),
        (lambda t: t.replace("  holding_statement:\n    en:", "  holding_statement:\n    de: x\n    en:"), "    de: x", "language 'de'"),
        (lambda t: t.replace("name: generic\n", "name: generic\ncolour: red\n"), "colour: red", "Extra inputs are not permitted"),
        (lambda t: t.replace("title: Publish a holding statement", "title: [unclosed"), "title: [unclosed", "not valid YAML"),
    ],
)  # fmt: skip
def test_a_broken_playbook_names_file_line_and_reason(tmp_path: Path, edit, needle: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    text = edit(GOOD)
    assert text != GOOD
    path = _write(tmp_path, "broken.yaml", text)
    with pytest.raises(PlaybookError) as caught:
        load_playbook_file(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    assert reason in problem.reason
    expected = _line_of(text, needle) - ("placeholder" in reason)
    # YAML syntax errors are reported where the parser noticed them, at most a line later.
    assert problem.line in (expected, expected + 1) if "YAML" in reason else problem.line == expected
    assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_a_missing_field_points_at_the_mapping_that_lacks_it(tmp_path: Path) -> None:
    text = GOOD.replace("    role: owner\n    due_minutes: 15\n", "    role: owner\n", 1)
    path = _write(tmp_path, "missing.yaml", text)
    with pytest.raises(PlaybookError) as caught:
        load_playbook_file(path)
    (problem,) = caught.value.problems
    assert problem.reason == "steps.0.due_minutes: Field required"
    assert problem.line == _line_of(text, "- id: acknowledge")


def test_a_hacked_account_playbook_without_security_steps_is_refused(tmp_path: Path) -> None:
    text = (DEFAULTS_DIR / "account_compromise.yaml").read_text(encoding="utf-8")
    start, end = text.index("security_steps:"), text.index("templates:")
    path = _write(tmp_path, "hacked.yaml", text[:start] + text[end:])
    with pytest.raises(PlaybookError, match="needs security steps"):
        load_playbook_file(path)


def test_the_workspace_overrides_a_default_and_a_broken_file_leaves_the_default(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    own = GOOD.replace("name: generic", "name: customer_service").replace(
        "applies_to: []", "applies_to: [customer_service]"
    )
    _write(folder, "cs.yaml", own.replace("version: 1", "version: 7"))
    _write(folder, "generic.yaml", GOOD.replace("due_minutes: 15", "due_minutes: soon", 1))
    library = PlaybookLibrary.load(folder)
    assert library.for_cause("customer_service").playbook.version == 7
    assert library.for_cause("customer_service").path == folder / "cs.yaml"
    assert library.get("generic").path == DEFAULTS_DIR / "generic.yaml"  # the broken override is skipped
    assert [p.file for p in library.problems] == [str(folder / "generic.yaml")]


def test_playbook_validate_command_reports_problems_and_exit_status(tmp_path: Path) -> None:
    broken = _write(tmp_path, "broken.yaml", GOOD.replace("due_minutes: 15", "due_minutes: soon", 1))
    runner = CliRunner()
    result = runner.invoke(app, ["playbook", "validate", str(broken), str(DEFAULTS_DIR / "generic.yaml")])
    assert result.exit_code == 1
    line = _line_of(broken.read_text(), "due_minutes: soon")
    assert f"{broken}:{line}: steps.0.due_minutes: Input should be a valid integer" in result.output
    assert "ok" in result.output
    good = runner.invoke(app, ["playbook", "validate"])
    assert good.exit_code == 0 and good.output.count("ok  ") == 6
    shown = runner.invoke(app, ["playbook", "show", "account_compromise"])
    assert shown.exit_code == 0 and "Revoke sessions" in shown.output
