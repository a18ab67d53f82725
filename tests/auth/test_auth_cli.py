"""`stormwatch user add` and `stormwatch token create` make accounts and tokens that work."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stormwatch.auth.service import token_principal
from stormwatch.cli import app
from stormwatch.store.db import Store

RUNNER = CliRunner()


def test_users_and_tokens_from_the_command_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store.open(database)
    config = tmp_path / "workspace.toml"
    assert RUNNER.invoke(app, ["init", str(config), "--database", database]).exit_code == 0
    common = ["--workspace", "My Agency", "--database", database]

    added = RUNNER.invoke(
        app,
        ["user", "add", "ola@agency.example", "--role", "manager", "--password-stdin", *common],
        input="long enough password\n",
    )
    assert added.exit_code == 0, added.output
    short = RUNNER.invoke(
        app, ["user", "add", "jan@agency.example", "--password-stdin", *common], input="short\n"
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    unknown = RUNNER.invoke(
        app,
        ["user", "add", "x@y.z", "--password-stdin", "--workspace", "Nope", "--database", database],
        input="long enough password\n",
    )
    assert unknown.exit_code == 1 and "My Agency" in unknown.output

    created = RUNNER.invoke(
        app, ["token", "create", "--name", "export", "-s", "read", "-s", "mentions:write", *common]
    )
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    with store.session() as session:
        principal = token_principal(session, secret)
    assert principal is not None and principal.actions == {"read", "mentions:write"}
    bad = RUNNER.invoke(app, ["token", "create", "--name", "x", "-s", "root", *common])
    assert bad.exit_code == 1 and "unknown scope" in bad.output
    store.engine.dispose()


def test_a_polish_team_reads_what_the_user_commands_did_in_polish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORMWATCH_LANGUAGE", "pl")
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    assert RUNNER.invoke(app, ["init", str(tmp_path / "w.toml"), "--database", database]).exit_code == 0
    common = ["--workspace", "My Agency", "--database", database]
    empty = RUNNER.invoke(app, ["user", "list", *common])
    assert "nie ma jeszcze kont" in empty.output, empty.output
    added = RUNNER.invoke(
        app,
        ["user", "add", "ola@agency.example", "--password-stdin", *common],
        input="long enough password\n",
    )
    assert "ola@agency.example: rola analityk w przestrzeni roboczej My Agency" in added.output, added.output
    removed = RUNNER.invoke(app, ["user", "remove", "ola@agency.example", *common])
    assert "usunięto z przestrzeni roboczej My Agency" in removed.output, removed.output
