"""The command line starts without loading the heavy layers, and the product installs without test tools."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from stormwatch.cli import LAZY_COMMANDS, app

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "sqlalchemy", "fastapi", "stormwatch.store.db", "stormwatch.analysis.text_analyzer")


def test_top_level_help_lists_every_command_without_loading_them() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from stormwatch.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(result.output)\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "LOADED []" in done.stdout
    for name in LAZY_COMMANDS:
        assert f" {name} " in done.stdout


def test_a_lazy_command_loads_when_run() -> None:
    result = CliRunner().invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0 and "--brand" in result.output
    result = CliRunner().invoke(app, ["user", "--help"])
    assert result.exit_code == 0 and "add" in result.output


def test_the_default_environment_holds_no_test_tools() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["uv"]["default-groups"] == []
    runtime = " ".join(project["project"]["dependencies"])
    for tool in ("pytest", "playwright", "mypy", "ruff", "scikit-learn", "schemathesis"):
        assert tool not in runtime
    assert "uv run --group dev pytest" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "--all-groups" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
