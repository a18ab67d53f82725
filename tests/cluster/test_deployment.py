"""deploy/Procfile and docs/deployment.md say what the command line really accepts."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from stormwatch.cli import app

REPO = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, list[str]]:
    lines = (REPO / "deploy" / "Procfile").read_text(encoding="utf-8").splitlines()
    entries = [line.split(":", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): shlex.split(command) for name, command in entries}


def _parse(argv: list[str]) -> Any:
    """Resolve the command line down to its command and parse its options (nothing runs)."""
    assert argv[0] == "stormwatch", argv
    command: Any = typer.main.get_command(app)
    args = argv[1:]
    # typer bundles its own click: groups are told by their methods, not by click's classes.
    while hasattr(command, "get_command"):
        context = command.make_context("stormwatch", [], resilient_parsing=True)
        name, args = args[0], args[1:]
        command = command.get_command(context, name)
        assert command is not None, f"no command {name!r}"
    return command.make_context(argv[-1], list(args))


def test_every_role_runs_and_each_line_parses() -> None:
    procfile = _procfile()
    assert set(procfile) == {"web", "listen", "analyze", "detect", "respond"}
    for name, argv in procfile.items():
        context = _parse(argv)
        if name != "web":
            assert argv[1:3] == ["worker", name]
        assert context.params.get("metrics_port") or name == "web"
    assert _parse(procfile["web"]).params["web_only"] is True


def test_a_wrong_option_is_caught() -> None:
    with pytest.raises(Exception, match="No such option"):
        _parse(["stormwatch", "worker", "detect", "--no-such-option"])


def test_the_guide_names_the_procfile_and_every_role() -> None:
    guide = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "deploy/Procfile" in guide
    for role in ("listen", "analyze", "detect", "respond"):
        assert f"stormwatch worker {role}" in guide
