"""The crisis room's "read first" and story posts are what the public says: the brand's own
accounts' posts are left out (issue 23)."""

from __future__ import annotations

from pathlib import Path

from stormwatch.store.db import Store
from stormwatch.web import queries
from stormwatch.workspace.models import Brand
from tests.web.world import build_world


def _authors(view: dict[str, list[dict[str, object]]], part: str) -> set[object]:
    return {post["author"] for post in view[part]}


def test_the_brands_own_posts_are_neither_read_first_nor_story_posts(store: Store) -> None:
    tenant = build_world(store, hours=42, per_hour=6)["acme"]
    with store.session() as session:
        before = queries.crisis_detail(session, tenant.workspace_id, tenant.crisis_key)
        assert before is not None
        assert "user0" in _authors(before, "examples") and "user0" in _authors(before, "story")
        session.get_one(Brand, tenant.brand_id).own_handles = ["@User0"]  # the brand's account
    with store.session() as session:
        after = queries.crisis_detail(session, tenant.workspace_id, tenant.crisis_key)
        assert after is not None
        assert "user0" not in _authors(after, "examples") | _authors(after, "story")
        assert _authors(after, "story") == _authors(before, "story") - {"user0"}  # the public's stay


def test_an_account_take_over_keeps_the_brands_own_posts_to_read_first(tmp_path: Path) -> None:
    from sqlalchemy import select

    from stormwatch.crisis.models import Crisis, CrisisEvent

    store = Store.open(f"sqlite:///{tmp_path / 'own.db'}")
    tenant = build_world(store, hours=42, per_hour=6)["acme"]
    with store.session() as session:
        session.get_one(Brand, tenant.brand_id).own_handles = ["user0"]
        opened = session.scalars(
            select(CrisisEvent)
            .join(Crisis, Crisis.id == CrisisEvent.crisis_id)
            .where(
                CrisisEvent.kind == "opened",
                Crisis.key == tenant.crisis_key,
                Crisis.workspace_id == tenant.workspace_id,
            )
        ).first()
        assert opened is not None
        opened.data = {**opened.data, "signal": "account_takeover"}
    with store.session() as session:
        view = queries.crisis_detail(session, tenant.workspace_id, tenant.crisis_key)
        assert view is not None and "user0" in _authors(view, "examples")
    store.engine.dispose()
