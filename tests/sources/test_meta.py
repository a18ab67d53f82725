"""Facebook Pages and Instagram over the Graph API against a local Graph server: ``data`` with
``paging.next`` URLs, field expansion for comments, Graph rate-limit errors (code 32/80002 with
``X-Business-Use-Case-Usage``), malformed items, replies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from stormwatch.sources.meta import facebook_sources, instagram_sources, reply_facebook, reply_instagram
from stormwatch.sources.publishing import Reply
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import FacebookSettings, InstagramSettings
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_authors, stored_ids

BRAND = "Northwind Air"
START = datetime(2025, 12, 1, 10, tzinfo=UTC)
SECRETS = Secrets({"FACEBOOK_PAGE_TOKEN": "page-token", "INSTAGRAM_TOKEN": "ig-token"}, env={})
PAGE = "1040"
IG = "17841400000000001"


def _time(number: int) -> str:
    """Graph API times: ISO 8601 with a +0000 offset."""
    return (START + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def fb_post(number: int, author: str = "Northwind Air", author_id: str = PAGE) -> dict[str, Any]:
    return {
        "id": f"{PAGE}_{number}",
        "message": f"Northwind post {number}",
        "created_time": _time(number),
        "from": {"id": author_id, "name": author},
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{number}",
        "shares": {"count": 2},
        "reactions": {"data": [], "summary": {"total_count": 7}},
        "comments": {"data": [], "summary": {"total_count": 1}},
    }


def fb_comment(post: int, number: int, message: str | None = "Where is my refund?") -> dict[str, Any]:
    comment: dict[str, Any] = {
        "id": f"{post}_{number}",
        "created_time": _time(post + number),
        "from": {"id": "55", "name": "Ann Smith"},
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{post}?comment_id={number}",
        "like_count": 0,
    }
    if message is not None:
        comment["message"] = message
    return comment


def ig_media(number: int, username: str = "northwindair") -> dict[str, Any]:
    return {
        "id": f"1790{number:04d}",
        "caption": f"Fly with us {number}",
        "timestamp": _time(number),
        "permalink": f"https://www.instagram.com/p/C{number:04d}/",
        "username": username,
        "like_count": 10,
        "comments_count": 1,
    }


@dataclass
class GraphServer:
    edges: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # object id -> comments
    page_size: int = 10
    limited: int = 0
    posted: list[tuple[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v21.0/{node}/{edge}")
        def edge(node: str, edge: str, request: Request) -> Response:
            self.tokens.add(request.headers["authorization"])
            if self.limited:
                self.limited -= 1
                usage = {
                    node: [
                        {
                            "type": "pages",
                            "call_count": 100,
                            "total_time": 20,
                            "total_cputime": 10,
                            "estimated_time_to_regain_access": 3,
                        }
                    ]
                }
                return JSONResponse(
                    {
                        "error": {
                            "message": "(#32) Page request limit reached",
                            "type": "OAuthException",
                            "code": 32,
                            "fbtrace_id": "Ax",
                        }
                    },
                    400,
                    {"X-Business-Use-Case-Usage": json.dumps(usage)},
                )
            items = sorted(
                self.edges.get(f"{node}/{edge}", []),
                key=lambda i: i.get("created_time") or i.get("timestamp") or "",
                reverse=True,
            )
            fields = request.query_params["fields"]
            if (
                "comments" in fields and "{" in fields.split("comments", 1)[1]
            ):  # field expansion: comments under posts
                limit = int(request.query_params["limit"])
                return JSONResponse(
                    {
                        "data": [
                            {"id": i["id"], "comments": {"data": self.comments.get(i["id"], [])}}
                            for i in items[:limit]
                        ]
                    }
                )
            offset = int(request.query_params.get("after", 0))
            chunk = items[offset : offset + self.page_size]
            paging: dict[str, Any] = {"cursors": {"before": "MA==", "after": str(offset + len(chunk))}}
            if offset + self.page_size < len(items):
                paging["next"] = (
                    f"{request.base_url}v21.0/{node}/{edge}?access_token=x&fields={fields}&limit={self.page_size}&after={offset + self.page_size}"
                )
            return JSONResponse({"data": chunk, "paging": paging})

        @app.post("/v21.0/{node}/{edge}")
        async def create(node: str, edge: str, request: Request) -> Response:
            message = dict(parse_qsl((await request.body()).decode()))["message"]
            if edge == "replies" and not node.startswith("comment"):
                return JSONResponse(
                    {
                        "error": {
                            "message": "(#100) Unsupported post request",
                            "type": "GraphMethodException",
                            "code": 100,
                        }
                    },
                    400,
                )
            self.posted.append((f"{node}/{edge}", message))
            return JSONResponse({"id": f"{node}_reply"})

        @app.get("/v21.0/{node}")
        def node_fields(node: str, fields: str) -> dict[str, Any]:
            if fields == "permalink_url":
                return {"id": node, "permalink_url": f"https://www.facebook.com/{node}"}
            return {
                "id": node,
                "media": {"id": "17900001", "permalink": "https://www.instagram.com/p/C0001/"},
            }

        return app


def test_facebook_page_posts_tagged_and_comments(sqlite_store: Store, workspace_id: int) -> None:
    server = GraphServer(
        edges={
            f"{PAGE}/posts": [fb_post(n) for n in range(1, 24)],
            f"{PAGE}/tagged": [fb_post(100, "Bob", "77")],
        },
        comments={
            f"{PAGE}_23": [fb_comment(23, 1), fb_comment(23, 2, message=None)],
            f"{PAGE}_22": [fb_comment(22, 3)],
        },
    )
    with serve(server.app()) as url:
        runner = SourceRunner(
            sqlite_store,
            workspace_id,
            facebook_sources(BRAND, FacebookSettings(pages=[PAGE], base_url=f"{url}/v21.0"), SECRETS),
        )
        posts, tagged, comments = (runner.poll_once(source) for source in runner.sources)
        server.edges[f"{PAGE}/posts"].append(fb_post(24))
        again = runner.poll_once(runner.sources[0])
    assert (posts.pages, posts.stored, tagged.stored, again.stored) == (3, 23, 1, 1)
    assert (comments.stored, comments.quarantined) == (2, 1)
    assert "missing field 'message'" in quarantined(sqlite_store)[0].error
    assert server.tokens == {"Bearer page-token"}
    assert stored_authors(sqlite_store, "facebook") == {"Northwind Air", "Bob", "Ann Smith"}


def test_graph_rate_limit_waits_as_announced_and_a_cut_walk_resumes(
    sqlite_store: Store, workspace_id: int
) -> None:
    server = GraphServer(edges={f"{PAGE}/posts": [fb_post(n) for n in range(1, 6)]})
    with serve(server.app()) as url:
        settings = FacebookSettings(pages=[PAGE], base_url=f"{url}/v21.0")
        runner = SourceRunner(sqlite_store, workspace_id, facebook_sources(BRAND, settings, SECRETS))
        runner.poll_once(runner.sources[0])
        server.edges[f"{PAGE}/posts"] += [fb_post(n) for n in range(6, 31)]
        source = runner.sources[0]
        walk = source.poll(runner.checkpoints.cursor(source.key))
        runner.store_page(source, next(walk))  # the first page is stored, then the process is "killed"
        server.limited = 2
        storm = [runner.poll_once(source) for _ in range(2)]
        restarted = SourceRunner(sqlite_store, workspace_id, facebook_sources(BRAND, settings, SECRETS))
        resumed = restarted.poll_once(restarted.sources[0])
    assert [report.retry_after for report in storm] == [180.0, 180.0]
    assert resumed.stored == 15
    assert stored_ids(sqlite_store, "facebook") == sorted(f"{PAGE}_{n}" for n in range(1, 31))


def test_instagram_media_tags_comments_and_replies(sqlite_store: Store, workspace_id: int) -> None:
    server = GraphServer(
        edges={
            f"{IG}/media": [ig_media(n) for n in range(1, 4)],
            f"{IG}/tags": [ig_media(9, username="ann.travels")],
        },
        comments={
            "17900003": [
                {
                    "id": "comment1",
                    "text": "lost bag!",
                    "timestamp": _time(5),
                    "username": "bob",
                    "like_count": 1,
                }
            ]
        },
    )
    with serve(server.app()) as url:
        settings = InstagramSettings(accounts=[IG], base_url=f"{url}/v21.0")
        runner = SourceRunner(sqlite_store, workspace_id, instagram_sources(BRAND, settings, SECRETS))
        reports = [runner.poll_once(source) for source in runner.sources]
        to_comment = reply_instagram(settings, SECRETS, Reply("instagram", "comment1", "DM us please", BRAND))
        to_media = reply_instagram(settings, SECRETS, Reply("instagram", "17900002", "Thanks!", BRAND))
        fb = reply_facebook(
            FacebookSettings(pages=[PAGE], base_url=f"{url}/v21.0"),
            SECRETS,
            Reply("facebook", f"{PAGE}_23", "Sorry!", BRAND),
        )
    assert [r.stored for r in reports] == [3, 1, 1]
    assert stored_authors(sqlite_store, "instagram") == {"northwindair", "ann.travels", "bob"}
    assert server.posted == [
        ("comment1/replies", "DM us please"),
        ("17900002/comments", "Thanks!"),
        (f"{PAGE}_23/comments", "Sorry!"),
    ]
    assert to_comment.url == "https://www.instagram.com/p/C0001/" and to_media.post_id == "17900002_reply"
    assert fb.url == f"https://www.facebook.com/{PAGE}_23_reply"
