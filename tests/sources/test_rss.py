"""RSS/Atom and Google Alerts feeds against a local feed server (conditional GET, 429, bad entries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response

from stormwatch.sources.rss import FeedSource, unwrap_google_link
from stormwatch.sources.runner import SourceRunner
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_ids

BRAND = "Northwind Air"


def _item(number: int, day: int = 1) -> str:
    return (
        f"<item><title>Northwind delay story {number}</title>"
        f"<link>https://news.example/{number}</link><guid>https://news.example/{number}</guid>"
        f"<description>&lt;p&gt;Passengers stuck &amp;amp; angry {number}&lt;/p&gt;</description>"
        f"<pubDate>Mon, 0{day} Dec 2025 10:0{number % 10}:00 GMT</pubDate></item>"
    )


def _rss(items: list[str]) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example/</link>{''.join(items)}</channel></rss>"
    )


@dataclass
class FeedServer:
    items: list[str] = field(default_factory=list)
    limited: int = 0  # answer this many requests with 429 first
    requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/feed.xml")
        def feed(request: Request) -> Response:
            self.requests.append(dict(request.headers))
            if self.limited:
                self.limited -= 1
                return Response(status_code=429, headers={"Retry-After": "7"})
            body = _rss(self.items)
            etag = f'"{len(self.items)}"'
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
            return Response(body, media_type="application/rss+xml", headers={"ETag": etag})

        return app


def test_feed_entries_are_stored_once_with_conditional_get(sqlite_store: Store, workspace_id: int) -> None:
    server = FeedServer(items=[_item(1), _item(2)])
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, [FeedSource(BRAND, f"{url}/feed.xml")])
        first = runner.poll_once(runner.sources[0])
        again = runner.poll_once(runner.sources[0])
        server.items.append(_item(3))
        third = runner.poll_once(runner.sources[0])
    assert (first.stored, again.read, third.stored) == (2, 0, 1)
    assert server.requests[1]["if-none-match"] == '"2"'  # the ETag was sent back: a 304, nothing parsed
    assert stored_ids(sqlite_store) == [f"https://news.example/{n}" for n in (1, 2, 3)]


def test_a_malformed_entry_is_quarantined_and_the_rest_stored(sqlite_store: Store, workspace_id: int) -> None:
    broken = "<item><guid>https://news.example/broken</guid><pubDate>Mon, 01 Dec 2025 10:00:00 GMT</pubDate></item>"
    server = FeedServer(items=[_item(1), broken, _item(2)])
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, [FeedSource(BRAND, f"{url}/feed.xml")])
        report = runner.poll_once(runner.sources[0])
    assert (report.stored, report.quarantined) == (2, 1)
    assert [problem.field for problem in report.problems] == ["text"]
    assert [row.origin for row in quarantined(sqlite_store)] == [f"source:rss/{BRAND}/{url}/feed.xml"]


def test_429_is_honoured_and_reported_then_the_feed_recovers(sqlite_store: Store, workspace_id: int) -> None:
    server = FeedServer(items=[_item(1)], limited=3)
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, [FeedSource(BRAND, f"{url}/feed.xml")])
        storm = [runner.poll_once(runner.sources[0]) for _ in range(3)]
        health = runner.checkpoints.health()[0]
        recovered = runner.poll_once(runner.sources[0])
    assert [report.retry_after for report in storm] == [7.0, 7.0, 7.0]
    assert (health.status, health.consecutive_failures) == ("failing", 3)
    assert "429" in (health.last_error or "")
    assert recovered.stored == 1
    assert runner.checkpoints.health()[0].status == "ok"


def test_google_alerts_links_are_unwrapped() -> None:
    link = "https://www.google.com/url?rct=j&sa=t&url=https://paper.example/a%3Fb%3D1&ct=ga"
    assert unwrap_google_link(link) == "https://paper.example/a?b=1"
    assert unwrap_google_link("https://paper.example/x") == "https://paper.example/x"


def test_checkpoint_and_health_on_both_databases(store: Store) -> None:
    from stormwatch.workspace.config import WorkspaceConfig
    from stormwatch.workspace.service import apply_config

    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig.model_validate({"brands": [{"name": BRAND}]})).id
    server = FeedServer(items=[_item(1), _item(2)])
    with serve(server.app()) as url:
        runner = SourceRunner(store, workspace_id, [FeedSource(BRAND, f"{url}/feed.xml")])
        runner.poll_once(runner.sources[0])
        restarted = SourceRunner(store, workspace_id, [FeedSource(BRAND, f"{url}/feed.xml")])
        again = restarted.poll_once(restarted.sources[0])
    assert again.read == 0 and server.requests[-1]["if-none-match"] == '"2"'  # the ETag survived the restart
    (health,) = restarted.checkpoints.health()
    assert (health.status, health.items_stored, health.newest_item_at is not None) == ("ok", 2, True)


def test_a_failing_source_does_not_stop_the_others(sqlite_store: Store, workspace_id: int) -> None:
    import time

    from stormwatch.sources.reliability import Backoff

    server = FeedServer(items=[_item(1)])
    with serve(server.app()) as url:
        broken = FeedSource(BRAND, "http://127.0.0.1:9/closed.xml")  # nothing listens on port 9
        good = FeedSource(BRAND, f"{url}/feed.xml")
        runner = SourceRunner(
            sqlite_store, workspace_id, [broken, good], backoff=Backoff(0.05, 0.1), poll_seconds=0.05
        )
        runner.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health = {row.key: row for row in runner.checkpoints.health()}
            if health.get(broken.key) and health[broken.key].consecutive_failures >= 3 and good.key in health:
                break
            time.sleep(0.05)
        server.items.append(_item(2))
        while len(stored_ids(sqlite_store)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.stop(timeout=3)
    assert health[broken.key].status == "failing" and "ConnectError" in (health[broken.key].last_error or "")
    assert health[good.key].status == "ok"
    assert stored_ids(sqlite_store) == ["https://news.example/1", "https://news.example/2"]
