"""X API v2 (recent search, filtered stream, user timelines, replies) against a local server
that answers as documented at docs.x.com: ``data``/``includes``/``meta.next_token``, 429 with
``x-rate-limit-reset``, newline-delimited JSON on the stream with blank keep-alive lines."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from stormwatch.sources.publishing import Reply
from stormwatch.sources.reliability import Backoff
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import XSettings
from stormwatch.sources.x import reply, x_sources
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_authors, stored_ids

BRAND = "Northwind Air"
START = datetime(2025, 12, 1, 10, tzinfo=UTC)
SECRETS = Secrets({"X_BEARER_TOKEN": "app-token", "X_USER_ACCESS_TOKEN": "user-token"}, env={})


def tweet(number: int, author_id: str = "11") -> dict[str, Any]:
    return {
        "id": str(1860000000000000000 + number),
        "text": f"@northwindair where is my bag? #{number}",
        "created_at": (START + timedelta(minutes=number)).isoformat().replace("+00:00", ".000Z"),
        "author_id": author_id,
        "lang": "en",
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "quote_count": 0},
        "edit_history_tweet_ids": [str(1860000000000000000 + number)],
    }


USERS = [
    {"id": "11", "username": "ann", "name": "Ann", "public_metrics": {"followers_count": 120}},
    {
        "id": "99",
        "username": "northwindair",
        "name": "Northwind",
        "public_metrics": {"followers_count": 90000},
    },
]


@dataclass
class XServer:
    tweets: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 10
    limited: int = 0
    fail_on_page: int | None = None  # 1-based page of the next walk that answers 503
    pages: int = 0
    stream_batches: list[list[str]] = field(default_factory=list)
    stream_connections: int = 0
    posted_at_connect: list[list[dict[str, Any]]] = field(default_factory=list)  # searchable from then on
    rules: list[dict[str, str]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        def page(tweets: list[dict[str, Any]], since_id: str | None, token: str | None) -> Response:
            if self.limited:
                self.limited -= 1
                reset = int(time.time()) + 45
                return JSONResponse(
                    {"title": "Too Many Requests", "status": 429},
                    429,
                    {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
                )
            self.pages += 1
            if self.fail_on_page is not None and self.pages == self.fail_on_page:
                self.fail_on_page = None
                return JSONResponse({"title": "Service Unavailable"}, 503)
            newer = sorted(
                (t for t in tweets if since_id is None or int(t["id"]) > int(since_id)),
                key=lambda t: -int(t["id"]),
            )
            offset = int(token or 0)
            chunk = newer[offset : offset + self.page_size]
            meta: dict[str, Any] = {"result_count": len(chunk)}
            if chunk:
                meta |= {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"]}
            if offset + self.page_size < len(newer):
                meta["next_token"] = str(offset + self.page_size)
            body: dict[str, Any] = {"meta": meta}
            if chunk:
                body |= {"data": chunk, "includes": {"users": USERS}}
            return JSONResponse(body)

        @app.get("/2/tweets/search/recent")
        def search(
            request: Request, query: str, since_id: str | None = None, next_token: str | None = None
        ) -> Response:
            self.auth.append(request.headers["authorization"])
            assert request.query_params["expansions"] == "author_id"
            return page(self.tweets, since_id, next_token)

        @app.get("/2/users/by/username/{username}")
        def user(username: str) -> dict[str, Any]:
            return {"data": next(u for u in USERS if u["username"] == username)}

        @app.get("/2/users/{user_id}/tweets")
        def user_tweets(
            user_id: str, since_id: str | None = None, pagination_token: str | None = None
        ) -> Response:
            return page([t for t in self.tweets if t["author_id"] == user_id], since_id, pagination_token)

        @app.get("/2/tweets/search/stream/rules")
        def get_rules() -> dict[str, Any]:
            return (
                {"data": self.rules, "meta": {"result_count": len(self.rules)}}
                if self.rules
                else {"meta": {"result_count": 0}}
            )

        @app.post("/2/tweets/search/stream/rules")
        async def change_rules(request: Request) -> dict[str, Any]:
            body = await request.json()
            for rule in body.get("add", []):
                self.rules.append({"id": str(len(self.rules) + 1), **rule})
            return {"meta": {"summary": {"created": len(body.get("add", []))}}}

        @app.get("/2/tweets/search/stream")
        def stream() -> StreamingResponse:
            batch = self.stream_batches[self.stream_connections]
            if self.stream_connections < len(self.posted_at_connect):
                self.tweets += self.posted_at_connect[self.stream_connections]
            self.stream_connections += 1
            last = self.stream_connections == len(self.stream_batches)

            def lines() -> Iterator[bytes]:
                for line in batch:
                    yield b"\r\n"  # keep-alive
                    yield line.encode() + b"\r\n"
                while last and not self.release.wait(0.2):
                    yield b"\r\n"

            return StreamingResponse(lines(), media_type="application/json")

        @app.post("/2/tweets")
        async def post(request: Request) -> JSONResponse:
            self.auth.append(request.headers["authorization"])
            self.posted.append(await request.json())
            return JSONResponse(
                {
                    "data": {
                        "id": "1860000000000009999",
                        "text": self.posted[-1]["text"],
                        "edit_history_tweet_ids": [],
                    }
                },
                201,
            )

        return app


def _event(number: int, tag: str = f"stormwatch:{BRAND}") -> str:
    return json.dumps(
        {
            "data": tweet(number),
            "includes": {"users": USERS},
            "matching_rules": [{"id": "1", "tag": tag}],
        }
    )


def _runner(store: Store, workspace_id: int, url: str, **settings: Any) -> SourceRunner:
    config = XSettings(base_url=url, **settings)
    return SourceRunner(
        store, workspace_id, x_sources(BRAND, config, SECRETS), backoff=Backoff(0.05, 0.1), poll_seconds=0.05
    )


def _ids(numbers: range | list[int]) -> list[str]:
    return sorted(str(1860000000000000000 + n) for n in numbers)


def test_search_pages_back_to_since_id_and_quarantines_a_malformed_tweet(
    sqlite_store: Store, workspace_id: int
) -> None:
    broken = tweet(13)
    del broken["text"]
    server = XServer(tweets=[tweet(n) for n in range(1, 26) if n != 13] + [broken])
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, query="northwind OR @northwindair")
        first = runner.poll_once(runner.sources[0])
        server.tweets += [tweet(n) for n in range(26, 31)]
        second = runner.poll_once(runner.sources[0])
    assert (first.pages, first.stored, first.quarantined) == (3, 24, 1)
    assert (second.pages, second.stored) == (1, 5)
    assert server.auth[0] == "Bearer app-token"
    assert "missing field 'text'" in quarantined(sqlite_store)[0].error
    assert stored_ids(sqlite_store) == _ids([n for n in range(1, 31) if n != 13])


def test_a_429_storm_then_a_walk_cut_by_an_outage_resumes_after_a_restart(
    sqlite_store: Store, workspace_id: int
) -> None:
    server = XServer(tweets=[tweet(n) for n in range(1, 36)], limited=5, fail_on_page=3)
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, query="northwind")
        storm = [runner.poll_once(runner.sources[0]) for _ in range(5)]
        cut = runner.poll_once(runner.sources[0])
        restarted = _runner(sqlite_store, workspace_id, url, query="northwind")
        resumed = restarted.poll_once(restarted.sources[0])
        again = restarted.poll_once(restarted.sources[0])
    assert all(report.retry_after is not None and 40 <= report.retry_after <= 45 for report in storm)
    assert (cut.stored, "503" in (cut.error or "")) == (20, True)
    assert (resumed.stored, again.stored) == (15, 0)
    assert stored_ids(sqlite_store) == _ids(range(1, 36))


def test_filtered_stream_reconnects_and_catches_up_by_search(sqlite_store: Store, workspace_id: int) -> None:
    server = XServer(tweets=[tweet(1)])
    # 3 is posted but never streamed (the connection drops first): the catch-up search finds it.
    server.posted_at_connect = [[tweet(2), tweet(3)], [tweet(4)]]
    # The stream is one per app: a post matching only another brand's rule is not this brand's.
    server.stream_batches = [[_event(2), "{oops", _event(90, tag="stormwatch:Polana")], [_event(4)]]
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, query="northwind", stream=True)
        runner.start()
        deadline = time.monotonic() + 30
        while len(stored_ids(sqlite_store)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.release.set()
        runner.stop(timeout=3)
    assert stored_ids(sqlite_store) == _ids([1, 2, 3, 4])
    assert server.rules == [{"id": "1", "value": "northwind", "tag": f"stormwatch:{BRAND}"}]
    assert server.stream_connections == 2
    assert "not JSON" in quarantined(sqlite_store)[0].error


def test_own_timeline_and_reply(sqlite_store: Store, workspace_id: int) -> None:
    server = XServer(tweets=[tweet(1), tweet(2, author_id="99"), tweet(3, author_id="99")])
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, accounts=["northwindair"])
        report = runner.poll_once(runner.sources[0])
        published = reply(
            XSettings(base_url=url), SECRETS, Reply("x", tweet(1)["id"], "We are on it.", BRAND)
        )
    assert report.stored == 2 and stored_authors(sqlite_store, "x") == {"northwindair"}
    assert server.posted == [{"text": "We are on it.", "reply": {"in_reply_to_tweet_id": tweet(1)["id"]}}]
    assert server.auth[-1] == "Bearer user-token"
    assert published.url == "https://x.com/i/web/status/1860000000000009999"
