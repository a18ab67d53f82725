"""Mastodon through the real ``Mastodon.py`` client against a local server speaking the Mastodon API:
hashtag timelines paged with ``min_id``, search, own statuses, the SSE hashtag stream, 429s, replies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from stormwatch.sources.mastodon import mastodon_sources, reply
from stormwatch.sources.publishing import NetworkPublisher, Reply
from stormwatch.sources.reliability import Backoff
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import MastodonSettings
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_authors, stored_ids

BRAND = "Northwind Air"
START = datetime(2025, 12, 1, 10, tzinfo=UTC)


def status(number: int, author: str = "ann", **extra: Any) -> dict[str, Any]:
    """A status as documented at docs.joinmastodon.org/entities/Status."""
    body: dict[str, Any] = {
        "id": str(100000 + number),
        "uri": f"https://mastodon.example/users/{author}/statuses/{100000 + number}",
        "url": f"https://mastodon.example/@{author}/{100000 + number}",
        "created_at": (START + timedelta(minutes=number)).isoformat().replace("+00:00", ".000Z"),
        "content": f"<p>#northwind lost my bag again, number {number}</p>",
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "in_reply_to_id": None,
        "replies_count": 0,
        "reblogs_count": number % 3,
        "favourites_count": number % 5,
        "account": {
            "id": "7" if author == "northwindair" else "1",
            "username": author,
            "acct": author,
            "display_name": author.title(),
            "followers_count": 42,
            "url": f"https://mastodon.example/@{author}",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "northwind", "url": "https://mastodon.example/tags/northwind"}],
    }
    body.update(extra)
    return body


@dataclass
class MastodonServer:
    statuses: list[dict[str, Any]] = field(default_factory=list)
    own: list[dict[str, Any]] = field(default_factory=list)
    limited: int = 0
    fail_after_page: int | None = None  # answer 500 once this many timeline pages were served
    pages_served: int = 0
    stream_batches: list[list[str]] = field(default_factory=list)  # raw SSE data per connection
    posted_at_connect: list[list[dict[str, Any]]] = field(
        default_factory=list
    )  # REST statuses that appear then
    stream_connections: int = 0
    posted: list[dict[str, Any]] = field(default_factory=list)
    release_stream: threading.Event = field(default_factory=threading.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/instance")
        def instance(request: Request) -> dict[str, Any]:
            base = str(request.base_url).rstrip("/").replace("http://", "ws://")
            return {"uri": "mastodon.example", "version": "4.3.0", "urls": {"streaming_api": base}}

        @app.get("/api/v1/timelines/tag/{tag}")
        def tag_timeline(tag: str, request: Request, min_id: str | None = None, limit: int = 20) -> Response:
            if self.limited:
                self.limited -= 1
                reset = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
                return JSONResponse(
                    {"error": "Too many requests"},
                    429,
                    {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
                )
            if self.fail_after_page is not None and self.pages_served >= self.fail_after_page:
                self.fail_after_page = None
                return JSONResponse({"error": "boom"}, 500)
            self.pages_served += 1
            return JSONResponse(_page(self.statuses, min_id, limit))

        @app.get("/api/v2/search")
        def search(q: str, min_id: str | None = None, limit: int = 20) -> dict[str, Any]:
            matching = [s for s in self.statuses if q.lower() in s.get("content", "").lower()]
            return {"accounts": [], "hashtags": [], "statuses": _page(matching, min_id, limit)}

        @app.get("/api/v1/accounts/lookup")
        def lookup(acct: str) -> dict[str, Any]:
            return {"id": "7", "username": acct, "acct": acct, "followers_count": 5000}

        @app.get("/api/v1/accounts/{account_id}/statuses")
        def account_statuses(
            account_id: str, min_id: str | None = None, limit: int = 20
        ) -> list[dict[str, Any]]:
            assert account_id == "7"
            return _page(self.own, min_id, limit)

        @app.get("/api/v1/streaming/hashtag")
        def stream(tag: str) -> StreamingResponse:
            assert tag == "northwind"
            batch = (
                self.stream_batches[self.stream_connections]
                if self.stream_connections < len(self.stream_batches)
                else []
            )
            if self.stream_connections < len(self.posted_at_connect):
                self.statuses += self.posted_at_connect[self.stream_connections]
            self.stream_connections += 1
            last = self.stream_connections >= len(self.stream_batches)

            def events() -> Iterator[bytes]:
                yield b":)\n\n"
                for data in batch:
                    yield f"event: update\ndata: {data}\n\n".encode()
                if last:  # the final connection stays open until the test ends it
                    while not self.release_stream.wait(0.2):
                        yield b":thump\n\n"
                # else: return, i.e. the server drops the connection

            return StreamingResponse(events(), media_type="text/event-stream")

        @app.post("/api/v1/statuses")
        async def post_status(request: Request) -> dict[str, Any]:
            body = (await request.body()).decode()
            form = (
                json.loads(body)
                if request.headers.get("content-type", "").startswith("application/json")
                else dict(parse_qsl(body))
            )
            self.posted.append(form)
            return status(
                999,
                author="northwindair",
                content=f"<p>{form['status']}</p>",
                in_reply_to_id=form.get("in_reply_to_id"),
            )

        return app


def _page(statuses: list[dict[str, Any]], min_id: str | None, limit: int) -> list[dict[str, Any]]:
    ordered = sorted(statuses, key=lambda s: int(s["id"]))
    if min_id is not None:
        chosen = [s for s in ordered if int(s["id"]) > int(min_id)][:limit]
    else:
        chosen = ordered[-limit:]
    return list(reversed(chosen))  # Mastodon answers newest first


def _sources(url: str, **settings: Any) -> list[Any]:
    config = MastodonSettings(api_base_url=url, **settings)
    return mastodon_sources(BRAND, config, Secrets({"MASTODON_ACCESS_TOKEN": "token"}, env={}))


def test_hashtag_pages_forward_and_a_malformed_status_is_quarantined(
    sqlite_store: Store, workspace_id: int
) -> None:
    server = MastodonServer(statuses=[status(n) for n in range(1, 11)])
    with serve(server.app()) as url:
        runner = SourceRunner(
            sqlite_store, workspace_id, _sources(url, hashtags=["#northwind"], stream=False)
        )
        first = runner.poll_once(runner.sources[0])
        broken = status(11)
        del broken["created_at"]
        server.statuses += [broken] + [status(n) for n in range(12, 100)]
        second = runner.poll_once(runner.sources[0])
        third = runner.poll_once(runner.sources[0])
    assert first.stored == 10
    assert (second.pages, second.stored, second.quarantined) == (3, 88, 1)  # 89 new: pages of 40, 40, 9
    assert third.read == 0
    assert "created_at" in (quarantined(sqlite_store)[0].error + str(second.problems[0]))
    assert stored_ids(sqlite_store) == sorted(str(100000 + n) for n in range(1, 100) if n != 11)


def test_a_walk_cut_short_resumes_from_its_checkpoint_in_a_new_process(
    sqlite_store: Store, workspace_id: int
) -> None:
    server = MastodonServer(statuses=[status(1)])
    with serve(server.app()) as url:
        first = SourceRunner(sqlite_store, workspace_id, _sources(url, hashtags=["northwind"], stream=False))
        first.poll_once(first.sources[0])
        server.statuses += [status(n) for n in range(2, 131)]
        server.fail_after_page = server.pages_served + 2  # the third page of this walk fails
        cut = first.poll_once(first.sources[0])
        # A fresh runner and client, as after a restart: only the store carries over.
        restarted = SourceRunner(
            sqlite_store, workspace_id, _sources(url, hashtags=["northwind"], stream=False)
        )
        resumed = restarted.poll_once(restarted.sources[0])
    assert (cut.stored, cut.error is not None) == (80, True)
    assert resumed.stored == 129 - 80
    assert stored_ids(sqlite_store) == sorted(str(100000 + n) for n in range(1, 131))


def test_a_429_storm_is_waited_out_as_the_server_says(sqlite_store: Store, workspace_id: int) -> None:
    server = MastodonServer(statuses=[status(1), status(2)], limited=4)
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, _sources(url, hashtags=["northwind"], stream=False))
        storm = [runner.poll_once(runner.sources[0]) for _ in range(4)]
        after = runner.poll_once(runner.sources[0])
    assert all(report.retry_after is not None and 25 < report.retry_after <= 32 for report in storm)
    assert after.stored == 2 and stored_ids(sqlite_store) == ["100001", "100002"]


def test_the_stream_survives_drops_and_bad_events_and_catches_up(
    sqlite_store: Store, workspace_id: int
) -> None:
    server = MastodonServer(statuses=[status(1)])
    # Per connection: what is posted (and so in the REST timelines), and what the stream delivers.
    server.posted_at_connect = [[status(2), status(3), status(4)], [status(5), status(6)], [status(7)]]
    server.stream_batches = [
        [json.dumps(status(2)), json.dumps(status(3))],  # then the server drops the connection: 4 unsent
        [json.dumps(status(5)), "{not json"],  # the library aborts the stream on the bad event: 6 unsent
        [json.dumps(status(7))],  # stays open
    ]
    with serve(server.app()) as url:
        sources = _sources(url, hashtags=["northwind"])
        runner = SourceRunner(
            sqlite_store, workspace_id, sources, backoff=Backoff(initial=0.05, maximum=0.1), poll_seconds=0.05
        )
        runner.start()
        deadline = time.monotonic() + 30
        # Health is written after the page is stored: wait for it, not just for the mentions.
        while runner.checkpoints.health() == [] or runner.checkpoints.health()[0].items_stored < 7:
            assert time.monotonic() < deadline, stored_ids(sqlite_store)
            time.sleep(0.05)
        health = runner.checkpoints.health()[0]
        server.release_stream.set()
        runner.stop(timeout=3)
    # 4 and 6 were never streamed: the catch-up poll after each reconnection found them.
    assert stored_ids(sqlite_store) == [str(100000 + n) for n in range(1, 8)]
    assert server.stream_connections == 3
    assert [row.error for row in quarantined(sqlite_store)] == ["malformed stream event: Bad JSON {not json"]
    assert health.items_stored == 7 and health.status == "ok"


def test_own_account_posts_are_stored_under_the_own_handle(sqlite_store: Store, workspace_id: int) -> None:
    server = MastodonServer(own=[status(n, author="northwindair") for n in (1, 2)])
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, _sources(url, accounts=["northwindair"]))
        report = runner.poll_once(runner.sources[0])
    assert report.stored == 2 and runner.sources[0].key == f"mastodon/{BRAND}/own:northwindair"
    assert stored_authors(sqlite_store, "mastodon") == {"northwindair"}


def test_reply_posts_in_reply_to_the_status_and_returns_its_url() -> None:
    server = MastodonServer()
    with serve(server.app()) as url:
        settings = MastodonSettings(api_base_url=url)
        secrets = Secrets({"MASTODON_ACCESS_TOKEN": "token"}, env={})
        request = Reply("mastodon", "100005", "Sorry about your bag, we are on it.", BRAND)
        published = reply(settings, secrets, request)
        dry = NetworkPublisher(
            {(BRAND, "mastodon"): lambda r: reply(settings, secrets, r)}, dry_run=True
        ).publish(request)
    assert [(p["status"], p["in_reply_to_id"]) for p in server.posted] == [
        ("Sorry about your bag, we are on it.", "100005")
    ]
    assert published.url == "https://mastodon.example/@northwindair/100999"
    assert dry.dry_run and dry.url is None and len(server.posted) == 1
