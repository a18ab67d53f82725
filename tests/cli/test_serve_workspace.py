"""`serve` and `run` without --config (issue 23): the store's only workspace, never a hidden
"Default workspace"; with none or several, exit 2 with a message naming --config."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from stormwatch.cli import _workspace_config, app
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig, WorkspaceSettings
from stormwatch.workspace.models import Workspace
from stormwatch.workspace.service import apply_config


def _store(tmp_path: Path, *names: str) -> str:
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    store = Store.open(url)
    with store.session() as session:
        for name in names:
            config = WorkspaceConfig(
                workspace=WorkspaceSettings(name=name, max_brands=7),
                brands=[BrandConfig(name="Polana", languages=["pl"], own_handles=["polana_pl"])],
                people=[PersonConfig(name="Ola", roles=["owner"])],
            )
            apply_config(session, config)
    store.engine.dispose()
    return url


@pytest.mark.parametrize("command", ["serve", "run"])
@pytest.mark.parametrize(("names", "said"), [((), "no workspace yet"), (("A", "B"), "several workspaces")])
def test_without_config_and_no_single_workspace_it_exits_2_naming_the_option(
    tmp_path: Path, command: str, names: tuple[str, ...], said: str
) -> None:
    url = _store(tmp_path, *names)
    result = CliRunner().invoke(app, [command, "--database", url])
    assert result.exit_code == 2
    assert "--config" in result.output and said in result.output
    store = Store.open(url)
    with store.session() as session:  # nothing was created on the way
        assert sorted(session.scalars(select(Workspace.name))) == sorted(names)
    store.engine.dispose()


def test_without_config_the_stored_workspace_is_used_as_it_is(tmp_path: Path) -> None:
    url = _store(tmp_path, "Agencja")
    config = _workspace_config(None, url)
    assert config.workspace.name == "Agencja" and config.workspace.max_brands == 7
    assert [b.name for b in config.brands] == ["Polana"] and config.brands[0].own_handles == ["polana_pl"]
    assert [p.name for p in config.people] == ["Ola"]
