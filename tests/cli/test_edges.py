"""The command line's rough edges a new agency hit in its first week (issue 23, item 10)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Store

WORKSPACE = """
[workspace]
name = "Agencja"

[[brands]]
name = "Polana"
languages = ["pl"]
own_handles = ["polana_pl"]

[[people]]
name = "Ola"
roles = ["owner", "comms"]

[[people]]
name = "Piotr"
roles = ["lead", "approver"]
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[CliRunner, list[str], Path]:
    config = tmp_path / "workspace.toml"
    config.write_text(WORKSPACE, encoding="utf-8")
    return CliRunner(), ["--database", f"sqlite:///{tmp_path / 'sw.db'}", "--config", str(config)], tmp_path


def test_crisis_commands_say_what_they_did(setup: tuple[CliRunner, list[str], Path]) -> None:
    runner, common, _ = setup

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["crisis", *args, *common], terminal_width=80)
        assert result.exit_code == code, result.output
        return result.output

    key = run("open", "Polana", "--reason", "Zimna kawa i długie kolejki", "--as", "Ola").strip()
    listed = run("list")
    assert key in listed, "the key is cut even though every other command needs it whole"
    assert "note added" in run("note", key, "Dzwonimy do kawiarni.", "--as", "Ola")
    assert "acknowledged" in run("status", key, "acknowledged", "--as", "Ola")
    steps = json.loads(run("show", key, "--json"))["steps"]
    assert "done" in run("step", key, steps[0]["id"], "--as", "Ola")
    drafted = run("draft", key, "holding_statement", "--set", "issue=zimna kawa", "--as", "Ola")
    draft_id = drafted.split("#")[1].split(":")[0]
    assert json.loads(run("show", key, "--json"))["drafts"][0]["lang"] == "pl"  # the brand's language
    assert "sent back" in run("reject", draft_id, "--note", "Za długie", "--as", "Piotr")
    second = (
        run("draft", key, "holding_statement", "--set", "issue=kolejki", "--as", "Ola")
        .split("#")[1]
        .split(":")[0]
    )
    assert "approved" in run("approve", second, "--as", "Piotr")
    assert "posted on facebook" in run("publish", second, "--where", "facebook", "--as", "Ola")
    assert "resolved" in run("resolve", key, "--as", "Ola")

    # No playbooks_dir in the file: the review is kept, its change becomes a lesson, nothing aborts.
    reviewed = run(
        "review", key, "--lesson", "Szybciej", "--change", "set_due:acknowledge=5", "--as", "Piotr"
    )
    assert "{" not in reviewed and "mentions" in reviewed
    show = json.loads(run("show", key, "--json"))
    assert show["status"] == "reviewed"


def test_ingest_semicolon_csv_zone_warning_and_unknown_brand(
    setup: tuple[CliRunner, list[str], Path],
) -> None:
    runner, common, folder = setup
    export = folder / "eksport.csv"
    export.write_text(
        "\ufeffid;source;created_at;text;author;brand\n"
        "1;twitter;2026-03-02T10:00:00;Kawa w Polanie super;ala;Polana\n"
        "2;twitter;2026-03-02T10:05:00+01:00;Kolejka na pół godziny;bartek;Polana\n"
        "3;twitter;2026-03-02T10:06:00Z;Inna marka;celina;Kawiarnia Obok\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", str(export), *common])
    assert result.exit_code == 0, result.output
    assert "stored 2 new" in result.output and "quarantined 1" in result.output
    assert "1 times named no time zone" in result.output
    assert "'Kawiarnia Obok' is not a brand of this workspace" in result.output
    store = Store.open(common[1])
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 2
        assert session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 1
    store.engine.dispose()


def test_ingest_fails_when_nothing_could_be_imported(setup: tuple[CliRunner, list[str], Path]) -> None:
    runner, common, folder = setup
    broken = folder / "broken.jsonl"
    broken.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(broken), *common])
    assert result.exit_code == 1 and "every record was quarantined" in result.output


def test_ingest_without_a_workspace_names_the_fix(tmp_path: Path) -> None:
    export = tmp_path / "x.jsonl"
    export.write_text("{}\n", encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner().invoke(app, ["ingest", str(export), "--database", database])
    assert result.exit_code == 2 and "no workspace yet" in result.output and "--config" in result.output
    store = Store.open(database)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == 0
    store.engine.dispose()


def test_ingest_refuses_an_unknown_brand_option(setup: tuple[CliRunner, list[str], Path]) -> None:
    runner, common, folder = setup
    export = folder / "x.jsonl"
    export.write_text("{}\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(export), "--brand", "Polanna", *common])
    assert result.exit_code == 2 and "'Polanna' is not a brand" in result.output and "Polana" in result.output


def test_user_list_remove_and_reset_password(tmp_path: Path) -> None:
    runner = CliRunner()
    database = ["--database", f"sqlite:///{tmp_path / 'users.db'}"]
    assert runner.invoke(app, ["init", str(tmp_path / "agency.toml"), *database]).exit_code == 0
    where = ["-w", "My Agency", *database]
    added = runner.invoke(
        app, ["user", "add", "ola@a.pl", "--password-stdin", *where], input="pierwsze haslo\n"
    )
    assert added.exit_code == 0, added.output
    assert "ola@a.pl\tanalyst\ten" in runner.invoke(app, ["user", "list", *where]).output
    reset = runner.invoke(
        app, ["user", "reset-password", "ola@a.pl", "--password-stdin", *where], input="drugie haslo!!\n"
    )
    assert reset.exit_code == 0 and "sessions were ended" in reset.output
    short = runner.invoke(
        app, ["user", "reset-password", "ola@a.pl", "--password-stdin", *where], input="x\n"
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert runner.invoke(app, ["user", "remove", "ola@a.pl", *where]).exit_code == 0
    assert "ola@a.pl" not in runner.invoke(app, ["user", "list", *where]).stdout
    gone = runner.invoke(app, ["user", "remove", "ola@a.pl", *where])
    assert gone.exit_code == 1 and "not a member" in gone.output


def test_analyze_takes_plain_text_lines() -> None:
    result = CliRunner().invoke(app, ["analyze", "--fast-only"], input="Kawa była zimna, obsługa niemiła.\n")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["text"] == "Kawa była zimna, obsługa niemiła." and record["sentiment"] in {
        "negative",
        "neutral",
        "positive",
    }


def test_eval_with_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(tmp_path / "nonexistent")])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_a_demo_stopped_by_sigterm_removes_its_temporary_folder(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    demo = subprocess.Popen(
        [sys.executable, "-m", "stormwatch", "demo", "--no-serve", "--speed", "60"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("stormwatch-demo-*/demo.db")):
        assert demo.poll() is None and time.monotonic() < deadline, "the demo did not start"
        time.sleep(0.2)
    time.sleep(3)  # into the replay
    demo.send_signal(signal.SIGTERM)
    assert demo.wait(timeout=60) == 0
    assert not list(tmp_path.glob("stormwatch-demo-*"))
