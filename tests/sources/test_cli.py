"""`stormwatch sources list|test|run --once` against a local feed server and a missing token."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stormwatch.cli import app
from tests.sources.servers import serve
from tests.sources.test_rss import FeedServer, _item


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "workspace.toml"
    path.write_text(
        f'[[brands]]\nname = "Northwind Air"\n\n[brands.sources.rss]\nfeeds = ["{url}/feed.xml", "{url}/missing.xml"]\n\n'
        '[brands.sources.youtube]\nchannels = ["UCx"]\n',
        encoding="utf-8",
    )
    return path


def test_list_test_and_run_once(tmp_path: Path) -> None:
    server = FeedServer(items=[_item(1), _item(2)])
    runner = CliRunner()
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    with serve(server.app()) as url:
        config = _config(tmp_path, url)
        common = ["--config", str(config), "--database", database]
        tested = runner.invoke(app, ["sources", "test", *common], env={"YOUTUBE_API_KEY": ""})
        ran = runner.invoke(app, ["sources", "run", "--once", *common], env={"YOUTUBE_API_KEY": ""})
        listed = runner.invoke(
            app, ["sources", "list", *common], env={"YOUTUBE_API_KEY": "", "COLUMNS": "250"}
        )
        as_json = runner.invoke(app, ["sources", "list", "--json", *common], env={"YOUTUBE_API_KEY": ""})
    assert tested.exit_code == 1  # the missing feed and the missing YouTube key fail the check
    assert f"✓ rss/Northwind Air/{url}/feed.xml: 2 items" in tested.output
    assert "missing.xml: rss: HTTP 404" in tested.output and "set YOUTUBE_API_KEY" in tested.output
    assert ran.exit_code == 1 and "read 2, stored 2 new" in ran.output
    assert "feed.xml" in listed.output and "ok" in listed.output and "failing" in listed.output
    assert "unavailable" in listed.output
    rows = {row["key"]: row for row in map(json.loads, as_json.output.splitlines())}
    assert rows[f"rss/Northwind Air/{url}/feed.xml"]["items_stored"] == 2
    assert rows["youtube/Northwind Air"]["status"] == "unavailable"
