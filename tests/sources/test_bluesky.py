"""Bluesky through the real ``atproto`` client against a local XRPC server (createSession,
searchPosts with cursors, getAuthorFeed, getPosts, createRecord, 429 with ratelimit headers), and
the Jetstream source against a local websocket server speaking Jetstream's JSON events."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, urlparse

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from websockets.sync.server import ServerConnection
from websockets.sync.server import serve as ws_serve

from stormwatch.sources.bluesky import bluesky_sources, reply
from stormwatch.sources.publishing import Reply
from stormwatch.sources.reliability import Backoff
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import BlueskySettings
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_authors, stored_ids

BRAND = "Northwind Air"
START = datetime(2025, 12, 1, 10, tzinfo=UTC)
SECRETS = Secrets({"BLUESKY_HANDLE": "northwindair.bsky.social", "BLUESKY_APP_PASSWORD": "app-pass"}, env={})
OWN_DID = "did:plc:northwind"


def _jwt(exp: datetime) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part({'sub': OWN_DID, 'exp': int(exp.timestamp()), 'scope': 'com.atproto.appPass'})}.c2ln"


def post(number: int, handle: str = "ann.bsky.social", **record: Any) -> dict[str, Any]:
    """An app.bsky.feed.defs#postView as the AppView returns it."""
    did = f"did:plc:{handle.split('.')[0]}"
    body = {
        "$type": "app.bsky.feed.post",
        "text": f"northwind cancelled my flight {number}",
        "createdAt": (START + timedelta(minutes=number)).isoformat().replace("+00:00", ".000Z"),
        "langs": ["en"],
    }
    body.update(record)
    return {
        "uri": f"at://{did}/app.bsky.feed.post/3k{number:05d}",
        "cid": f"bafyrei{number:05d}",
        "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0]},
        "record": body,
        "replyCount": 0,
        "repostCount": 1,
        "likeCount": number % 4,
        "quoteCount": 0,
        "indexedAt": body["createdAt"],
    }


@dataclass
class XrpcServer:
    posts: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 10
    limited: int = 0
    logins: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/xrpc/com.atproto.server.createSession")
        async def create_session(request: Request) -> dict[str, Any]:
            body = await request.json()
            assert body["password"] == "app-pass"
            self.logins += 1
            token = _jwt(datetime.now(UTC) + timedelta(hours=2))
            return {
                "accessJwt": token,
                "refreshJwt": token,
                "handle": body["identifier"],
                "did": OWN_DID,
                "active": True,
            }

        @app.get("/xrpc/app.bsky.actor.getProfile")
        def profile(actor: str) -> dict[str, Any]:
            return {"did": OWN_DID, "handle": "northwindair.bsky.social"}

        def paged(posts: list[dict[str, Any]], cursor: str | None, key: str) -> Response:
            if self.limited:
                self.limited -= 1
                reset = int(time.time()) + 60
                return JSONResponse(
                    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    429,
                    {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
                )
            ordered = sorted(posts, key=lambda p: p["uri"], reverse=True)
            offset = int(cursor or 0)
            chunk = ordered[offset : offset + self.page_size]
            body: dict[str, Any] = {key: chunk if key == "posts" else [{"post": p} for p in chunk]}
            if offset + self.page_size < len(ordered):
                body["cursor"] = str(offset + self.page_size)
            return JSONResponse(body)

        @app.get("/xrpc/app.bsky.feed.searchPosts")
        def search(request: Request, q: str, cursor: str | None = None) -> Response:
            assert request.headers["authorization"].startswith("Bearer ")
            return paged(
                [p for p in self.posts if "northwind" in p["record"].get("text", "northwind")],
                cursor,
                "posts",
            )

        @app.get("/xrpc/app.bsky.feed.getAuthorFeed")
        def author_feed(actor: str, cursor: str | None = None) -> Response:
            return paged([p for p in self.posts if p["author"]["handle"] == actor], cursor, "feed")

        @app.get("/xrpc/app.bsky.feed.getPosts")
        def get_posts(uris: Annotated[list[str], Query()]) -> dict[str, Any]:
            return {"posts": [p for p in self.posts if p["uri"] in uris]}

        @app.post("/xrpc/com.atproto.repo.createRecord")
        async def create_record(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.created.append(body)
            return {"uri": f"at://{OWN_DID}/app.bsky.feed.post/3kreply", "cid": "bafyreply"}

        return app


def _sources(url: str, **settings: Any) -> list[Any]:
    return bluesky_sources(
        BRAND, BlueskySettings(base_url=url, jetstream_url=None, **settings), SECRETS, ["northwind"]
    )


def test_search_walks_pages_quarantines_a_broken_post_and_resumes_after_a_429(
    sqlite_store: Store, workspace_id: int
) -> None:
    broken = post(7)
    del broken["record"]["createdAt"]
    server = XrpcServer(posts=[post(n) for n in range(1, 26) if n != 7] + [broken])
    with serve(server.app()) as url:
        runner = SourceRunner(sqlite_store, workspace_id, _sources(url, queries=["northwind"]))
        first = runner.poll_once(runner.sources[0])
        server.posts += [post(n) for n in range(26, 41)]
        server.page_size = 5
        # A 429 in the middle of the next walk: the walk resumes at the page it reached.
        source = runner.sources[0]
        pages = source.poll(runner.checkpoints.cursor(source.key))
        runner.store_page(source, next(pages))  # the first page is stored, then the process is "killed"
        server.limited = 3
        storm = [runner.poll_once(source) for _ in range(3)]
        restarted = SourceRunner(sqlite_store, workspace_id, _sources(url, queries=["northwind"]))
        resumed = restarted.poll_once(restarted.sources[0])
    assert (first.pages, first.stored, first.quarantined) == (3, 24, 1)
    assert "createdAt" in quarantined(sqlite_store)[0].error
    assert all(r.retry_after is not None and 55 <= r.retry_after <= 61 for r in storm)
    assert (
        resumed.stored == 10 and resumed.pages == 3
    )  # pages 2-3 of the new posts, then the page reaching old ones
    assert stored_ids(sqlite_store) == sorted(post(n)["uri"] for n in range(1, 41) if n != 7)


def test_own_feed_and_reply_in_thread(sqlite_store: Store, workspace_id: int) -> None:
    parent = post(3)
    threaded = post(
        4,
        reply={
            "root": {"uri": parent["uri"], "cid": parent["cid"]},
            "parent": {"uri": parent["uri"], "cid": parent["cid"]},
        },
    )
    server = XrpcServer(posts=[post(1, handle="northwindair.bsky.social"), parent, threaded])
    with serve(server.app()) as url:
        runner = SourceRunner(
            sqlite_store, workspace_id, _sources(url, accounts=["northwindair.bsky.social"])
        )
        report = runner.poll_once(runner.sources[0])
        published = reply(
            BlueskySettings(base_url=url),
            SECRETS,
            Reply("bluesky", threaded["uri"], "So sorry, DM us?", BRAND),
        )
    assert report.stored == 1 and stored_authors(sqlite_store, "bluesky") == {"northwindair.bsky.social"}
    record = server.created[0]["record"]
    assert (server.created[0]["repo"], record["text"]) == (OWN_DID, "So sorry, DM us?")
    assert (
        record["reply"]["parent"]["uri"] == threaded["uri"]
        and record["reply"]["root"]["uri"] == parent["uri"]
    )
    assert published.url == "https://bsky.app/profile/northwindair.bsky.social/post/3kreply"


def _event(time_us: int, number: int, text: str = "northwind lost my bag", **extra: Any) -> str:
    event: dict[str, Any] = {
        "did": f"did:plc:user{number}",
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": f"3l{number}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3k{number:05d}",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": (START + timedelta(seconds=number)).isoformat(),
                "langs": ["en"],
            },
            "cid": f"bafy{number}",
        },
    }
    event.update(extra)
    return json.dumps(event)


@contextmanager
def jetstream(events: list[str], drop_after: int) -> Iterator[tuple[str, list[str | None]]]:
    """A Jetstream server: replays ``events`` from the requested cursor, dropping the first connection early."""
    cursors: list[str | None] = []

    def handler(connection: ServerConnection) -> None:
        query = parse_qs(urlparse(connection.request.path).query)
        assert query["wantedCollections"] == ["app.bsky.feed.post"]
        cursor = query.get("cursor", [None])[0]
        cursors.append(cursor)
        pending = [
            e
            for e in events
            if cursor is None or (e.startswith('{"') and json.loads(e)["time_us"] >= int(cursor))
        ]
        for index, event in enumerate(pending):
            if len(cursors) == 1 and index == drop_after:
                connection.close()  # a dropped socket
                return
            connection.send(event)
        with contextlib.suppress(Exception):
            connection.recv(timeout=5)  # stay open until the client goes away

    with ws_serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe", cursors
        server.shutdown()


def test_jetstream_filters_by_keyword_resumes_from_its_cursor_and_skips_bad_events(
    sqlite_store: Store, workspace_id: int
) -> None:
    base = 1_733_000_000_000_000
    events = [
        _event(base + 1_000_000, 1),
        _event(base + 2_000_000, 2, text="nice weather today"),
        "{broken",
        _event(base + 3_000_000, 3),
        _event(base + 9_000_000, 4),
        _event(base + 10_000_000, 5, text="Northwind again!"),
    ]
    with jetstream(events, drop_after=4) as (url, cursors):
        sources = bluesky_sources(BRAND, BlueskySettings(jetstream_url=url), SECRETS, ["northwind"])
        runner = SourceRunner(
            sqlite_store, workspace_id, sources, backoff=Backoff(0.05, 0.1), poll_seconds=0.05
        )
        runner.start()
        deadline = time.monotonic() + 30
        while len(stored_ids(sqlite_store)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        runner.stop(timeout=3)
    assert stored_ids(sqlite_store) == sorted(
        f"at://did:plc:user{n}/app.bsky.feed.post/3k{n:05d}" for n in (1, 3, 4, 5)
    )
    assert cursors[0] is None and cursors[1] == str(base + 3_000_000 - 2_000_000)  # resumed, rewound 2 s
    assert len(quarantined(sqlite_store)) == 1 and "jetstream" in quarantined(sqlite_store)[0].error
