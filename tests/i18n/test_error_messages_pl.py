"""Errors a Polish team reads in the CLI are Polish too (issue 23): the workspace file's, a playbook
change's, publishing's, and the ``error:`` line of ``stormwatch user``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.i18n.catalogue import translate
from stormwatch.playbook.revision import PlaybookChange, RevisionError
from stormwatch.response.publishing import OutgoingPost, PublishError, WebhookPublisher
from stormwatch.workspace.config import ConfigError, load_config


def test_a_broken_workspace_file_is_refused_in_polish(tmp_path: Path) -> None:
    broken = tmp_path / "agency.toml"
    broken.write_text("[workspace\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(broken)
    assert str(caught.value).startswith(f"{broken}: not valid TOML: ")
    assert caught.value.said_in("pl").startswith(f"{broken}: niepoprawny TOML: ")
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "none.toml")
    assert "nie można odczytać" in missing.value.said_in("pl")


def test_a_playbook_change_is_refused_in_polish() -> None:
    with pytest.raises(RevisionError) as caught:
        PlaybookChange.parse("add_step:call=Call@owner+soon")
    assert str(caught.value) == "add_step wants ID=TITLE@ROLE+MINUTES, got 'add_step:call=Call@owner+soon'"
    assert caught.value.said_in("pl").startswith("add_step wymaga postaci ID=TITLE@ROLE+MINUTES")


def test_a_refused_publication_is_said_in_polish() -> None:
    post = OutgoingPost(crisis_key="k", brand="Polana", template="holding_statement", lang="pl", text="Tekst")
    with pytest.raises(PublishError) as caught:
        WebhookPublisher("nonsense-scheme://nowhere").publish(post)
    assert "adres, którego apprise nie rozumie" in caught.value.said_in("pl")


def test_the_user_commands_error_line_is_polish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORMWATCH_LANGUAGE", "pl")
    database = ["--database", f"sqlite:///{tmp_path / 'users.db'}"]
    result = CliRunner().invoke(app, ["user", "list", "-w", "Nie ma takiej", *database])
    assert result.exit_code == 1
    assert result.output.startswith(translate("error:", "pl")) and "error:" not in result.output


def test_a_bad_config_option_is_refused_in_polish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORMWATCH_LANGUAGE", "pl")
    broken = tmp_path / "agency.toml"
    broken.write_text("[workspace\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["sources", "list", "--config", str(broken)], terminal_width=200)
    assert result.exit_code == 2 and "niepoprawny TOML" in result.output
