"""docs/getting-started.md, walked command by command as a new team would, alert included.

Every ``uv run stormwatch …`` line of the page runs here in order, against SQLite and PostgreSQL;
the page's one manual edit (an alert URL) points at a real HTTP receiver, so the alert that the
firestorm in the imported file raises goes out through apprise and is checked on arrival.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stormwatch.cli import app

from ..alerting.receiver import running_receiver
from ..stream_fixtures import START, firestorm, ordinary_days

PAGE = Path(__file__).resolve().parents[2] / "docs" / "getting-started.md"
LONG_RUNNING = {"serve", "run"}  # they wait for Ctrl-C; their options are checked with --help


def page_commands() -> list[list[str]]:
    """The page's commands in order, without ``uv run stormwatch`` and trailing comments."""
    blocks = re.findall(r"```sh\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line, comments=True)[3:] for line in lines if line.startswith("uv run stormwatch ")]


def test_the_page_covers_the_whole_path() -> None:
    names = [command[0] for command in page_commands()]
    assert names == ["init", "user", "user", "user", "sources", "ingest", "process", "crisis", "serve", "run"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'stormwatch.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_walk_from_nothing_to_an_alert(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORMWATCH_DATABASE_URL", database)
    runner = CliRunner()
    storm_onset = START + timedelta(hours=30, minutes=10)
    with (tmp_path / "mentions.jsonl").open("w", encoding="utf-8") as export:
        for record in ordinary_days() + firestorm(storm_onset):
            export.write(json.dumps(record) + "\n")

    with running_receiver() as receiver:
        for command in page_commands():
            if command[0] in LONG_RUNNING:
                result = runner.invoke(app, [*command, "--help"])
                assert result.exit_code == 0, (command, result.output)
                continue
            extra = ["--password-stdin"] if command[:2] == ["user", "add"] else []
            result = runner.invoke(app, command + extra, input="a long enough password\n")
            assert result.exit_code == 0, (command, result.output)
            if command[0] == "init":  # step 2 of the page: the brand's alerts go to our receiver
                config = tmp_path / "agency.toml"
                text = config.read_text(encoding="utf-8")
                config.write_text(text.replace("alert_urls = []", f'alert_urls = ["{receiver.url()}"]', 1))
            if command[:2] == ["user", "list"]:
                assert "you@agency.example\tadmin" in result.output
                assert "client@brand.example\tviewer\tpl" in result.output
            if command[0] == "ingest":
                assert f"stored {len(ordinary_days()) + 90} new" in result.output
            if command[0] == "process":
                assert "NEW CRISIS Northwind Air" in result.output
            if command[0] == "crisis":
                assert "Northwind" in result.output
        alerts = [post for post in receiver.posts if post["path"] == "/hook"]
    assert alerts, "the firestorm's alert never reached the brand's alert URL"
    assert "Northwind Air" in json.dumps(alerts[0]["body"])
