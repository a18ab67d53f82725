"""Reddit through the real ``praw`` client (oauth_url / reddit_url set to a local server that
answers as the Reddit API does: OAuth token endpoint, Listings paged with ``after``, 429 with
Retry-After, /api/comment)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from stormwatch.sources.publishing import Reply
from stormwatch.sources.reddit import reddit_sources, reply
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import RedditSettings
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_ids

BRAND = "Northwind Air"
EPOCH = 1_764_583_200  # 2025-12-01 10:00 UTC
SECRETS = Secrets(
    {
        "REDDIT_CLIENT_ID": "cid",
        "REDDIT_CLIENT_SECRET": "csecret",
        "REDDIT_USERNAME": "northwindair",
        "REDDIT_PASSWORD": "pw",
    },
    env={},
)


def submission(number: int, title: str = "Northwind lost my luggage", author: str = "ann") -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "id": f"p{number:04d}",
            "name": f"t3_p{number:04d}",
            "title": f"{title} {number}",
            "selftext": "Anyone else?",
            "author": author,
            "created_utc": float(EPOCH + number * 60),
            "permalink": f"/r/travel/comments/p{number:04d}/x/",
            "score": 5,
            "num_comments": 2,
            "subreddit": "travel",
            "url": f"https://www.reddit.com/r/travel/comments/p{number:04d}/x/",
        },
    }


def comment(number: int, body: str = "northwind is the worst") -> dict[str, Any]:
    return {
        "kind": "t1",
        "data": {
            "id": f"c{number:04d}",
            "name": f"t1_c{number:04d}",
            "body": body,
            "author": "bob",
            "created_utc": float(EPOCH + number * 60),
            "link_id": "t3_p0001",
            "parent_id": "t3_p0001",
            "permalink": f"/r/travel/comments/p0001/x/c{number:04d}/",
            "score": 1,
            "subreddit": "travel",
        },
    }


@dataclass
class RedditServer:
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 25  # Reddit's default listing size
    limited: int = 0
    grants: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    replied: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/v1/access_token")
        async def token(request: Request) -> dict[str, Any]:
            user, _, secret = (
                base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
            )
            assert (user, secret) == ("cid", "csecret")
            self.grants.append(dict(parse_qsl((await request.body()).decode()))["grant_type"])
            return {"access_token": "tok", "token_type": "bearer", "expires_in": 86400, "scope": "*"}

        @app.post("/api/comment/")
        @app.post("/api/comment")
        async def post_comment(request: Request) -> dict[str, Any]:
            form = dict(parse_qsl((await request.body()).decode()))
            self.replied.append({"thing_id": form["thing_id"], "text": form["text"]})
            thing = comment(999, body=form["text"])
            thing["data"].update(author="northwindair", parent_id=form["thing_id"])
            return {"json": {"errors": [], "data": {"things": [thing]}}}

        @app.get("/{path:path}")
        def listing(path: str, request: Request) -> Response:
            assert request.headers["authorization"] == "bearer tok"
            self.paths.append(path)
            self.queries.append(dict(request.query_params))
            if self.limited:
                self.limited -= 1
                return JSONResponse(
                    {"message": "Too Many Requests", "error": 429}, 429, {"Retry-After": "12"}
                )
            if path.endswith("/comments") or path.endswith("/comments/"):
                things = self.comments
            elif path.startswith("user/"):
                things = [p for p in self.posts if p["data"]["author"] == path.split("/")[1]]
            else:
                query = request.query_params.get("q", "").lower()
                things = [p for p in self.posts if query in p["data"]["title"].lower()]
            ordered = sorted(things, key=lambda t: t["data"]["name"], reverse=True)  # ids grow with time
            after = request.query_params.get("after")
            start = next((i + 1 for i, t in enumerate(ordered) if t["data"]["name"] == after), 0)
            chunk = ordered[start : start + self.page_size]
            more = start + self.page_size < len(ordered)
            return JSONResponse(
                {
                    "kind": "Listing",
                    "data": {
                        "after": chunk[-1]["data"]["name"] if more and chunk else None,
                        "before": None,
                        "dist": len(chunk),
                        "children": chunk,
                    },
                }
            )

        return app


def _runner(store: Store, workspace_id: int, url: str, **settings: Any) -> SourceRunner:
    config = RedditSettings(oauth_url=url, reddit_url=url, **settings)
    return SourceRunner(store, workspace_id, reddit_sources(BRAND, config, SECRETS, ["northwind"]))


def test_subreddit_posts_and_comments_page_with_after_and_skip_a_malformed_item(
    sqlite_store: Store, workspace_id: int, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")
    broken = submission(5)
    del broken["data"]["created_utc"]
    server = RedditServer(
        posts=[submission(n) for n in range(1, 230) if n != 5]
        + [broken, submission(300, title="Cheap flights")],
        comments=[comment(1), comment(2, body="unrelated chat")],
    )
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, subreddits=["r/travel", "flying"])
        posts, comments = (runner.poll_once(source) for source in runner.sources)
        server.posts += [submission(n) for n in range(230, 233)]
        again = runner.poll_once(runner.sources[0])
    # 230 listed: pages of 100 (praw makes four requests of 25 for each), "Cheap flights" names no keyword
    assert (posts.pages, posts.stored, posts.quarantined) == (3, 228, 1)
    assert (comments.stored, again.stored) == (1, 3)
    assert server.paths[0] == "r/travel+flying/new" and server.grants[0] == "client_credentials"
    assert "created_utc" in quarantined(sqlite_store)[0].error
    assert stored_ids(sqlite_store) == sorted(
        [f"t3_p{n:04d}" for n in range(1, 233) if n != 5] + ["t1_c0001"]
    )


def test_search_waits_out_429_and_own_account_is_watched(
    sqlite_store: Store, workspace_id: int, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")
    server = RedditServer(
        posts=[submission(n) for n in range(1, 4)]
        + [submission(9, author="northwindair", title="Northwind update")],
        limited=2,
    )
    with serve(server.app()) as url:
        runner = _runner(
            sqlite_store,
            workspace_id,
            url,
            subreddits=["travel"],
            query="northwind",
            accounts=["u/northwindair"],
        )
        search, _, own = runner.sources
        storm = [runner.poll_once(search) for _ in range(2)]
        found = runner.poll_once(search)
        mine = runner.poll_once(own)
    assert [r.retry_after for r in storm] == [12.0, 12.0]
    assert found.stored == 4 and mine.stored == 0  # own post already stored by the search: once only
    assert any(path.startswith("user/northwindair") for path in server.paths)
    assert len(stored_ids(sqlite_store)) == 4


def test_reply_to_a_comment_as_the_brand_account(monkeypatch: Any) -> None:
    monkeypatch.setenv("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")
    server = RedditServer()
    with serve(server.app()) as url:
        published = reply(
            RedditSettings(oauth_url=url, reddit_url=url),
            SECRETS,
            Reply("reddit", "t1_c0002", "We're sorry, DM us.", BRAND),
        )
    assert server.grants == ["password"]
    assert server.replied == [{"thing_id": "t1_c0002", "text": "We're sorry, DM us."}]
    assert published.url == "https://www.reddit.com/r/travel/comments/p0001/x/c0999/"


def test_a_killed_walk_resumes_at_its_page(sqlite_store: Store, workspace_id: int, monkeypatch: Any) -> None:
    monkeypatch.setenv("PRAW_ALLOW_ENDPOINT_OVERRIDE", "1")
    server = RedditServer(posts=[submission(1)])
    with serve(server.app()) as url:
        runner = _runner(sqlite_store, workspace_id, url, subreddits=["travel"])
        runner.poll_once(runner.sources[0])
        server.posts += [submission(n) for n in range(2, 251)]
        source = runner.sources[0]
        runner.store_page(source, next(source.poll(runner.checkpoints.cursor(source.key))))  # then killed
        first_request = len(server.queries)
        restarted = _runner(sqlite_store, workspace_id, url, subreddits=["travel"])
        resumed = restarted.poll_once(restarted.sources[0])
    assert resumed.stored == 149
    assert (
        server.queries[first_request]["after"] == "t3_p0151"
    )  # resumed after the stored page, not from the top
    assert stored_ids(sqlite_store) == sorted(f"t3_p{n:04d}" for n in range(1, 251))
