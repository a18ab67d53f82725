"""``stormwatch report ...`` over a stored quarter: the files it writes, and clear errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.store.db import Store
from tests.report.world import build_quarter

BRANDING = """
[report]
logo = "logo.svg"
colour = "#123456"
language = "pl"
"""
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'


def test_the_report_commands_write_their_files_and_refuse_clearly(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    quarter = build_quarter(Store.open(database))
    quarter.store.engine.dispose()
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["report", *args, "--database", database], terminal_width=200)
        assert result.exit_code == code, result.output
        return " ".join(result.output.split())  # rich wraps long lines

    target = tmp_path / "crisis.html"
    assert "Wrote" in run("crisis", quarter.keys[0], "-o", str(target))
    assert quarter.keys[0] in target.read_text(encoding="utf-8")
    review = tmp_path / "review.html"
    run(
        "review",
        "--brand",
        "Polana",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "-o",
        str(review),
        "--language",
        "pl",
    )
    assert "Przegląd strategii: Polana" in review.read_text(encoding="utf-8")
    assert "no crisis 'nope'" in run("crisis", "nope", code=1)
    assert "not a day like" in run("review", "--from", "March", "--to", "2026-03-31", code=1)
    assert "no brand 'Acme'" in run(
        "review", "--brand", "Acme", "--from", "2026-03-01", "--to", "2026-03-31", code=1
    )
    assert "neither 'pl' nor 'en'" in run("crisis", quarter.keys[0], "--language", "de", code=1)


def test_the_workspace_files_logo_and_colours_are_used(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(LOGO, encoding="utf-8")
    config = tmp_path / "workspace.toml"
    config.write_text('[workspace]\nname = "Default workspace"\n' + BRANDING, encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'brand.db'}"
    quarter = build_quarter(Store.open(database))
    quarter.store.engine.dispose()
    output = tmp_path / "r.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "crisis",
            quarter.keys[0],
            "--database",
            database,
            "--config",
            str(config),
            "-o",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert "--brand: #123456" in html and "Podsumowanie" in html  # the file's colour and language
    assert base64.b64encode(LOGO.encode()).decode() in html  # the agency's logo, inlined
    (tmp_path / "logo.svg").unlink()
    result = CliRunner().invoke(
        app,
        ["report", "crisis", quarter.keys[0], "--database", database, "--config", str(config)],
        terminal_width=300,
    )
    assert result.exit_code == 1 and "cannot read the logo" in " ".join(result.output.split())


def test_pdf_without_chromium_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path / 'nopdf.db'}"
    quarter = build_quarter(Store.open(database))
    quarter.store.engine.dispose()
    monkeypatch.setenv("STORMWATCH_CHROMIUM", str(tmp_path / "no-chromium"))
    result = CliRunner().invoke(app, ["report", "crisis", quarter.keys[0], "--pdf", "--database", database])
    assert result.exit_code == 1
    assert "PDF output needs Chromium" in " ".join(result.output.split())
    assert not list(Path.cwd().glob("crisis-*.pdf"))  # nothing half-written


def test_send_due_reports_what_it_did(tmp_path: Path) -> None:
    config = tmp_path / "workspace.toml"
    config.write_text(
        '[workspace]\nname = "Default workspace"\n[[report.schedule]]\nname = "monthly"\nto = ["Nobody"]\n',
        encoding="utf-8",
    )
    database = f"sqlite:///{tmp_path / 'due.db'}"
    quarter = build_quarter(Store.open(database))
    quarter.store.engine.dispose()
    result = CliRunner().invoke(app, ["report", "send-due", "--config", str(config), "--database", database])
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "monthly" in said and "no person 'Nobody'" in said
