"""The team in the workspace file: validated, synced to the store, people removed stop being paged."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormwatch.store.db import Store
from stormwatch.workspace.config import ConfigError, WorkspaceConfig, load_config
from stormwatch.workspace.service import apply_config, team

PEOPLE = """
[workspace]
name = "Agency"
playbooks_dir = "books"

[[brands]]
name = "Polana"

[[people]]
name = "Ola"
roles = ["owner"]
timezone = "{zone}"
quiet_hours = "{quiet}"
"""


def _config(tmp_path: Path, zone: str = "Europe/Warsaw", quiet: str = "22:00-07:00") -> Path:
    path = tmp_path / "workspace.toml"
    path.write_text(PEOPLE.format(zone=zone, quiet=quiet), encoding="utf-8")
    return path


def test_people_are_validated_with_the_field_named(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    assert config.people[0].quiet_window() is not None
    assert config.workspace.playbooks_dir == str((tmp_path / "books").resolve())
    with pytest.raises(ConfigError, match=r"people\.0\.timezone: .*unknown time zone 'Mars/Olympus'"):
        load_config(_config(tmp_path, zone="Mars/Olympus"))
    with pytest.raises(ConfigError, match=r"people\.0\.quiet_hours: .*must look like '22:00-07:00'"):
        load_config(_config(tmp_path, quiet="late"))


def test_the_team_follows_the_file(store: Store, tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    with store.session() as session:
        workspace_id = apply_config(session, config).id
        assert [p.name for p in team(session, workspace_id, "Polana")] == ["Ola"]
    with store.session() as session:
        apply_config(
            session,
            WorkspaceConfig.model_validate({"workspace": {"name": "Agency"}, "people": [{"name": "Kuba"}]}),
        )
        assert [p.name for p in team(session, workspace_id)] == ["Kuba"]
