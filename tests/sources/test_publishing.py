"""An approved response goes out as a reply through a connector and its URL lands on the timeline."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import drafts, service
from stormwatch.store.db import Store
from stormwatch.workspace.config import load_config
from stormwatch.workspace.service import apply_config
from tests.sources.servers import serve
from tests.sources.test_mastodon import MastodonServer

BRAND = "Northwind Air"


def _workspace(tmp_path: Path, url: str) -> tuple[Path, Store, int, int]:
    config = tmp_path / "workspace.toml"
    config.write_text(
        f'[[people]]\nname = "Anna"\nroles = ["owner", "comms"]\n\n[[people]]\nname = "Ben"\nroles = ["lead", "approver"]\n\n'
        f'[[brands]]\nname = "{BRAND}"\n\n[brands.sources.mastodon]\napi_base_url = "{url}"\nhashtags = ["northwind"]\n',
        encoding="utf-8",
    )
    store = Store.open(f"sqlite:///{tmp_path / 'reply.db'}")
    with store.session() as session:
        workspace_id = apply_config(session, load_config(config)).id
    record = {
        "id": "100005",
        "source": "mastodon",
        "text": "Lost my bag",
        "created_at": "2025-12-01T10:05:00Z",
    }
    MentionIngestor(store, workspace_id).ingest([RawRecord(1, "", record)], origin="test", brand=BRAND)
    key = service.open_crisis(
        store,
        workspace_id,
        BRAND,
        reason="Bags.",
        actor="Anna",
        cause="customer_service",
        severity=2,
        library=PlaybookLibrary.load(),
    )
    draft = drafts.draft_response(store, key, "reply", lang="en", actor="Anna", values={"customer": "@ann"})
    drafts.approve_response(store, draft, "Ben")
    return config, store, draft, workspace_id


def test_reply_is_posted_on_the_mentions_network_and_recorded(tmp_path: Path) -> None:
    server = MastodonServer()
    with serve(server.app()) as url:
        config, store, draft, _ = _workspace(tmp_path, url)
        env = {"MASTODON_ACCESS_TOKEN": "token"}
        database = f"sqlite:///{tmp_path / 'reply.db'}"
        base = [
            "sources",
            "reply",
            str(draft),
            "--reply-to",
            "100005",
            "--config",
            str(config),
            "--database",
            database,
            "--as",
            "Anna",
        ]
        dry = CliRunner().invoke(app, [*base, "--dry-run"], env=env)
        real = CliRunner().invoke(app, base, env=env)
        unknown = CliRunner().invoke(app, [*base[:3], "--reply-to", "nope", *base[5:]], env=env)
    assert dry.exit_code == 0 and real.exit_code == 0, dry.output + real.output
    assert [post["in_reply_to_id"] for post in server.posted] == ["100005"]  # the dry run posted nothing
    published = _publications(store)
    assert [p["target"] for p in published] == ["mastodon (dry run)", "mastodon"]
    assert published[1]["reference"] == "https://mastodon.example/@northwindair/100999"
    assert unknown.exit_code == 1 and "no stored mention nope" in unknown.output


def _publications(store: Store) -> list[dict[str, object]]:
    from sqlalchemy import select

    from stormwatch.response.models import Publication

    with store.session() as session:
        return [
            {"target": p.target, "reference": p.reference}
            for p in session.scalars(select(Publication).order_by(Publication.id))
        ]
