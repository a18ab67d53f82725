"""The command line: scenarios listed and validated (FILE:LINE: reason, exit 1), a drill started,
steered, stopped, reported (HTML in Polish) and in the history."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stormwatch.drill.cli import drill_app
from stormwatch.drill.loader import BUNDLED_DIR

runner = CliRunner()


def test_list_show_and_validate(tmp_path: Path) -> None:
    listed = runner.invoke(drill_app, ["list", "--json"])
    assert listed.exit_code == 0 and "account_compromise_pl" in listed.output
    shown = runner.invoke(drill_app, ["show", "mixed_leak_pl_en"])
    assert shown.exit_code == 0 and "branch cisza: when no_holding_statement within 30 min" in shown.output
    assert runner.invoke(drill_app, ["validate"]).exit_code == 0
    text = (BUNDLED_DIR / "communication_error_en.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("cause: communication_error", "cause: weather"), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("cause:"))
    result = runner.invoke(drill_app, ["validate", str(bad)])
    assert result.exit_code == 1 and f"{bad}:{line}: cause:" in result.output


def test_start_steer_stop_report_and_history(tmp_path: Path) -> None:
    database = str(tmp_path / "cli.db")
    config = tmp_path / "team.toml"
    config.write_text(
        '[workspace]\nname = "Polana team"\n\n[[brands]]\nname = "Polana"\nown_handles = ["polana_pl"]\n\n'
        '[[people]]\nname = "Ola"\nroles = ["owner", "comms", "approver"]\n',
        encoding="utf-8",
    )
    common = ["--database", database]
    started = runner.invoke(
        drill_app, ["start", "account_compromise_pl", "--speed", "10", "--config", str(config), *common]
    )
    assert started.exit_code == 0, started.output
    assert "drill 1 started" in started.output
    for command in (["pause", "1"], ["skip", "1", "20"], ["inject", "1", "dziennikarz"], ["resume", "1"]):
        result = runner.invoke(drill_app, [*command, *common])
        assert result.exit_code == 0, (command, result.output)
    wrong = runner.invoke(drill_app, ["inject", "1", "nothing_like_it", *common])
    assert wrong.exit_code == 1 and "no inject 'nothing_like_it'" in wrong.output
    status = runner.invoke(drill_app, ["status", "1", "--json", *common])
    assert status.exit_code == 0 and '"status": "running"' in status.output
    early = runner.invoke(drill_app, ["report", "1", *common])
    assert early.exit_code == 1 and "stop it first" in early.output
    assert runner.invoke(drill_app, ["stop", "1", *common]).exit_code == 0
    html = tmp_path / "report.html"
    reported = runner.invoke(drill_app, ["report", "1", "-o", str(html), "--language", "pl", *common])
    assert reported.exit_code == 0 and "Raport z ćwiczenia" in html.read_text(encoding="utf-8")
    history = runner.invoke(drill_app, ["history", "--json", "--config", str(config), *common])
    assert history.exit_code == 0 and '"scenario": "account_compromise_pl"' in history.output
