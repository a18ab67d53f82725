"""Nothing leaves the sandbox: with real apprise targets configured (a local HTTP server taking
json:// posts), every alert and page of a drill reaches them marked "[DRILL]", a drill channel
takes them all when one is given, a public text goes nowhere but the sandbox whatever publisher
is asked for, and the real workspace's wall-clock tick leaves the drill's crises alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from stormwatch.alerting.service import send_with_apprise
from stormwatch.drill import loader
from stormwatch.drill import service as drills
from stormwatch.drill.models import DrillRun
from stormwatch.response import drafts
from stormwatch.response import service as response
from stormwatch.response.models import Page, Publication
from stormwatch.response.publishing import WebhookPublisher
from stormwatch.store.db import Store

from ..alerting.receiver import running_receiver
from .conftest import make_world, start_paused, workspace_config


def _run_silently(world, run_id: int, facilitator: dict[str, str], until_minutes: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(until_minutes // 5):
        world.step(run_id, facilitator)


def test_every_drill_message_reaching_a_real_target_is_marked(sqlite_store: Store) -> None:
    with running_receiver() as receiver:
        config = workspace_config(
            alert_urls=[receiver.url(path="brand")], notify=[receiver.url(path="person")]
        )
        world = make_world(sqlite_store, config, send=send_with_apprise)
        facilitator = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
        run_id = start_paused(world, "customer_service_cancellations", facilitator)
        _run_silently(world, run_id, facilitator, 45)  # nobody acknowledges: pages, then escalation
        with sqlite_store.session() as session:
            run = session.get_one(DrillRun, run_id)
            key = session.scalar(
                select(response.Crisis.key).where(response.Crisis.workspace_id == run.workspace_id)
            )
            draft_workspace = run.workspace_id
        assert key is not None
        with response.acting_in(draft_workspace):
            draft_id = drafts.draft_response(
                sqlite_store,
                key,
                "holding_statement",
                lang="en",
                actor="Anna",
                values={"issue": "flights were cancelled"},
            )
            drafts.approve_response(sqlite_store, draft_id, "Ben")
            # A caller asking for a real webhook still only reaches the sandbox.
            drafts.publish_response(
                sqlite_store, draft_id, WebhookPublisher(receiver.url(path="statement")), "Anna"
            )
        posts = list(receiver.posts)
    paths = {post["path"] for post in posts}
    assert {"/brand", "/person"} <= paths, paths  # the alert and the pages did go out…
    for post in posts:  # …each one marked in its title and at the start of its body
        assert post["body"]["title"].startswith("[DRILL] "), post
        assert post["body"]["message"].startswith("[DRILL] This is a drill"), post
    assert "/statement" not in paths
    with sqlite_store.session() as session:
        (publication,) = session.scalars(select(Publication)).all()
        assert publication.target == "drill-sandbox://"
        assert session.scalars(select(Page).where(Page.level > 0)).first() is not None  # escalated


def test_a_drill_channel_takes_every_message_and_the_real_channels_hear_nothing(sqlite_store: Store) -> None:
    with running_receiver() as receiver:
        config = workspace_config(
            alert_urls=[receiver.url(path="brand")], notify=[receiver.url(path="person")]
        )
        world = make_world(sqlite_store, config, send=send_with_apprise)
        loaded = loader.find("negative_review_pl")
        run_id = drills.start(
            sqlite_store, world.workspace_id, loaded, world.driver.live_for, actor="facilitator",
            speed=10, drill_channel=receiver.url(path="drill"),
        )  # fmt: skip
        drills.pause(sqlite_store, run_id)
        for _ in range(6):
            drills.skip(sqlite_store, run_id, timedelta(minutes=5))
            world.advance(run_id)
        posts = list(receiver.posts)
    assert posts and {post["path"] for post in posts} == {"/drill"}
    assert all(post["body"]["title"].startswith("[DRILL] ") for post in posts)


def test_the_wall_clock_tick_leaves_drill_crises_to_the_drill(store: Store) -> None:
    """On SQLite and on the real PostgreSQL server."""
    sqlite_store = store
    world = make_world(sqlite_store)
    facilitator = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
    run_id = start_paused(world, "account_compromise_pl", facilitator)
    world.step(run_id, facilitator, minutes=10)
    with sqlite_store.session() as session:
        workspace_id = session.get_one(DrillRun, run_id).workspace_id
        crises = session.scalars(
            select(response.Crisis).where(response.Crisis.workspace_id == workspace_id)
        ).all()
        assert crises and all(c.status == "detected" for c in crises)
    # Days later on the wall clock, the real tick does not page, escalate or close the drill's crises.
    report = response.tick(sqlite_store, world.driver.library, now=crises[0].opened_at + timedelta(days=3))
    assert (report.attached, report.paged, report.overdue) == (0, 0, 0)
