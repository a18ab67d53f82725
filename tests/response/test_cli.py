"""``stormwatch crisis ...`` end to end on a SQLite file, as a person would type it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stormwatch.cli import app

WORKSPACE = """
[workspace]
name = "Agency"
playbooks_dir = "playbooks"

[[brands]]
name = "Polana"
own_handles = ["polana_pl"]

[[people]]
name = "Ola"
roles = ["owner", "comms"]
timezone = "Europe/Warsaw"
quiet_hours = "22:00-07:00"

[[people]]
name = "Piotr"
roles = ["lead", "approver"]
"""


def test_a_crisis_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "workspace.toml"
    config.write_text(WORKSPACE, encoding="utf-8")
    (tmp_path / "playbooks").mkdir()
    common = ["--database", str(tmp_path / "sw.db"), "--config", str(config)]
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["crisis", *args, *common])
        assert result.exit_code == code, result.output
        return result.output

    key = run(
        "open",
        "Polana",
        "--reason",
        "Ktoś publikuje z naszego konta",
        "--cause",
        "account_compromise",
        "--severity",
        "3",
        "--as",
        "Ola",
    ).strip()
    assert key.startswith("polana-")
    run("ack", key, "--as", "Ola")
    run("assign", key, "security", "Piotr", "--as", "Ola")
    run("note", key, "Hasło zmienione, 2FA włączone.", "--as", "Ola")
    run("step", key, "lock_account", "--as", "Piotr")
    drafted = run(
        "draft", key, "holding_statement", "--lang", "pl", "--set", "platform=Instagram", "--as", "Ola"
    )
    assert "Nasze konto w serwisie Instagram zostało przejęte" in drafted
    draft_id = drafted.split("#")[1].split(":")[0]
    assert "someone else must approve" in run("approve", draft_id, "--as", "Ola", code=1)
    run("approve", draft_id, "--as", "Piotr")
    run(
        "publish",
        draft_id,
        "--where",
        "facebook",
        "--ref",
        "https://facebook.com/polana/posts/1",
        "--as",
        "Ola",
    )
    run("resolve", key, "--note", "Account secured.", "--as", "Ola")
    reviewed = run(
        "review", key, "--worked", "2FA in 10 minutes", "--lesson", "Keep a backup admin", "--change",
        "add_checklist:lock_account=Check the backup admin still has access", "--as", "Ola",
    )  # fmt: skip
    assert "minutes to acknowledge: 0" in reviewed and "Proposed playbook change" in reviewed
    run("change", key, "--approve", "--as", "Piotr")
    assert (tmp_path / "playbooks" / "account_compromise.yaml").exists()

    rows = [json.loads(line) for line in run("list", "--json").splitlines()]
    assert [(r["key"], r["status"], r["playbook"], r["owner"]) for r in rows] == [
        (key, "reviewed", "account_compromise v1", "Ola")
    ]
    detail = json.loads(run("show", key, "--json"))
    assert detail["drafts"][0]["published"][0]["target"] == "facebook"
    kinds = [event["kind"] for event in detail["timeline"]]
    assert kinds[:4] == ["opened", "playbook", "acknowledged", "assigned"] and kinds[-1] == "playbook_change"
    assert "is reviewed; there is nothing to acknowledge" in run("ack", key, code=1)

    validate = runner.invoke(app, ["playbook", "validate", "--config", str(config)])
    assert validate.exit_code == 0 and "account_compromise v2" in validate.output
    replies = run("replies", "--at", "2026-03-02T12:00:00Z", "--json")
    assert json.loads(replies)["brands"]["Polana"]["needing_answer"] == 0
