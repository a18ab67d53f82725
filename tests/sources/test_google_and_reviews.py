"""YouTube Data API v3, Google Business Profile reviews and Trustpilot against local servers that
answer as documented: ``items``/``nextPageToken``, ``reviews``, numbered pages with
``next-page`` links, quota errors (403 quotaExceeded, 429), malformed items, comment replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from stormwatch.sources.google import (
    _until_pacific_midnight,
    google_review_sources,
    reply_youtube,
    youtube_sources,
)
from stormwatch.sources.publishing import Reply
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import GoogleReviewsSettings, TrustpilotSettings, YouTubeSettings
from stormwatch.sources.trustpilot import trustpilot_sources
from stormwatch.store.db import Store
from tests.sources.servers import quarantined, serve, stored_ids

BRAND = "Northwind Air"
START = datetime(2025, 12, 1, 10, tzinfo=UTC)
CHANNEL = "UCnorthwind0000000000000"
SECRETS = Secrets(
    {
        "YOUTUBE_API_KEY": "yt-key",
        "YOUTUBE_OAUTH_TOKEN": "yt-oauth",
        "GOOGLE_BUSINESS_TOKEN": "gbp",
        "TRUSTPILOT_API_KEY": "tp-key",
    },
    env={},
)


def _time(number: int) -> str:
    return (START + timedelta(minutes=number)).isoformat().replace("+00:00", "Z")


def thread(number: int, text: str | None = "Worst airline, lost my bag") -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "videoId": "vid1",
        "authorDisplayName": "@ann",
        "authorChannelId": {"value": "UCann"},
        "likeCount": 2,
        "publishedAt": _time(number),
        "updatedAt": _time(number),
    }
    if text is not None:
        snippet["textOriginal"] = text
        snippet["textDisplay"] = text
    return {
        "kind": "youtube#commentThread",
        "etag": "e",
        "id": f"Ugz{number:04d}",
        "snippet": {
            "channelId": CHANNEL,
            "videoId": "vid1",
            "topLevelComment": {"kind": "youtube#comment", "id": f"Ugz{number:04d}", "snippet": snippet},
            "canReply": True,
            "totalReplyCount": 0,
            "isPublic": True,
        },
    }


def upload(number: int) -> dict[str, Any]:
    return {
        "kind": "youtube#playlistItem",
        "id": f"pl{number}",
        "snippet": {
            "publishedAt": _time(number),
            "channelTitle": "Northwind Air",
            "title": f"Welcome aboard {number}",
            "description": "Our new route",
            "resourceId": {"kind": "youtube#video", "videoId": f"v{number}"},
        },
        "contentDetails": {"videoId": f"v{number}", "videoPublishedAt": _time(number)},
    }


def review(number: int, stars: str = "ONE") -> dict[str, Any]:
    return {
        "name": f"accounts/1/locations/2/reviews/r{number}",
        "reviewId": f"r{number}",
        "reviewer": {"displayName": "Ann"},
        "starRating": stars,
        "comment": "Rude staff at the gate",
        "createTime": _time(number),
        "updateTime": _time(number),
    }


def tp_review(number: int) -> dict[str, Any]:
    return {
        "id": f"tp{number:03d}",
        "stars": 1 + number % 5,
        "title": "Delayed again",
        "text": "Four hours at the gate.",
        "language": "en",
        "createdAt": _time(number),
        "consumer": {"id": "c1", "displayName": "Bob", "numberOfReviews": 3},
    }


@dataclass
class GoogleServer:
    threads: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    trustpilot: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 20
    quota: list[str] = field(default_factory=list)  # error reasons to answer with, in turn
    inserted: list[dict[str, Any]] = field(default_factory=list)
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        def paged(
            items: list[dict[str, Any]], token: str | None, time_of: Any, key: str = "items"
        ) -> Response:
            if self.quota:
                reason = self.quota.pop(0)
                status = 429 if reason == "rateLimitExceeded" else 403
                return JSONResponse(
                    {
                        "error": {
                            "code": status,
                            "message": reason,
                            "errors": [{"message": reason, "domain": "youtube.quota", "reason": reason}],
                        }
                    },
                    status,
                )
            ordered = sorted(items, key=time_of, reverse=True)
            offset = int(token or 0)
            body: dict[str, Any] = {key: ordered[offset : offset + self.page_size]}
            if offset + self.page_size < len(ordered):
                body["nextPageToken"] = str(offset + self.page_size)
            return JSONResponse(body)

        @app.get("/youtube/v3/commentThreads")
        def comment_threads(request: Request, pageToken: str | None = None) -> Response:
            self.seen.append(
                (request.query_params["key"], request.query_params.get("allThreadsRelatedToChannelId"))
            )
            return paged(
                self.threads, pageToken, lambda t: t["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
            )

        @app.get("/youtube/v3/playlistItems")
        def playlist_items(playlistId: str, pageToken: str | None = None) -> Response:
            assert playlistId == "UU" + CHANNEL[2:]
            return paged(self.uploads, pageToken, lambda i: i["contentDetails"]["videoPublishedAt"])

        @app.post("/youtube/v3/comments")
        async def insert_comment(request: Request) -> dict[str, Any]:
            assert request.headers["authorization"] == "Bearer yt-oauth"
            body = await request.json()
            self.inserted.append(body)
            return {
                "kind": "youtube#comment",
                "id": "Ugzreply",
                "snippet": {**body["snippet"], "videoId": "vid1"},
            }

        @app.post("/token")
        async def token(request: Request) -> dict[str, Any]:
            form = dict(parse_qsl((await request.body()).decode()))
            assert form == {
                "grant_type": "refresh_token",
                "refresh_token": "r1",
                "client_id": "cid",
                "client_secret": "cs",
            }
            return {
                "access_token": "yt-oauth",
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
                "token_type": "Bearer",
            }

        @app.get("/v4/accounts/{account}/locations/{location}/reviews")
        def reviews(request: Request, pageToken: str | None = None) -> Response:
            assert request.headers["authorization"] == "Bearer gbp"
            response = paged(self.reviews, pageToken, lambda r: r["updateTime"], key="reviews")
            return response

        @app.get("/v1/business-units/{unit}/reviews")
        def trustpilot(unit: str, request: Request, page: int = 1, perPage: int = 20) -> dict[str, Any]:
            assert request.headers["apikey"] == "tp-key"
            ordered = sorted(self.trustpilot, key=lambda r: r["createdAt"], reverse=True)
            chunk = ordered[(page - 1) * self.page_size : page * self.page_size]
            links = (
                [
                    {
                        "href": f"{request.base_url}v1/business-units/{unit}/reviews?page={page + 1}",
                        "method": "GET",
                        "rel": "next-page",
                    }
                ]
                if page * self.page_size < len(ordered)
                else []
            )
            return {"reviews": chunk, "links": links}

        return app


def test_youtube_comment_threads_uploads_quota_and_reply(sqlite_store: Store, workspace_id: int) -> None:
    server = GoogleServer(
        threads=[thread(n) for n in range(1, 46) if n != 9] + [thread(9, text=None)],
        uploads=[upload(1), upload(2)],
    )
    with serve(server.app()) as url:
        settings = YouTubeSettings(channels=[CHANNEL], base_url=f"{url}/youtube/v3")
        runner = SourceRunner(sqlite_store, workspace_id, youtube_sources(BRAND, settings, SECRETS))
        comments, uploads = runner.sources
        first = runner.poll_once(comments)
        server.quota = ["quotaExceeded", "rateLimitExceeded"]
        server.threads += [thread(n) for n in range(46, 50)]
        quota, burst = runner.poll_once(comments), runner.poll_once(comments)
        second = runner.poll_once(comments)
        own = runner.poll_once(uploads)
        published = reply_youtube(
            settings, SECRETS, Reply("youtube", "Ugz0003", "We are sorry, please DM us.", BRAND)
        )
    assert (first.pages, first.stored, first.quarantined) == (3, 44, 1)
    assert "textOriginal" in quarantined(sqlite_store)[0].error
    assert quota.retry_after is not None and 0 < quota.retry_after <= 25 * 3600  # until midnight Pacific
    assert burst.error is not None and "rateLimitExceeded" in burst.error
    assert (second.stored, own.stored) == (4, 2)
    assert server.seen[0] == ("yt-key", CHANNEL)
    assert server.inserted == [
        {"snippet": {"parentId": "Ugz0003", "textOriginal": "We are sorry, please DM us."}}
    ]
    assert published.url == "https://www.youtube.com/watch?v=vid1&lc=Ugzreply"


def test_quota_reset_is_the_next_pacific_midnight() -> None:
    from zoneinfo import ZoneInfo

    assert (
        _until_pacific_midnight(datetime(2025, 12, 1, 23, 0, tzinfo=ZoneInfo("America/Los_Angeles"))) == 3600
    )


def test_google_business_reviews_resume_after_a_cut_walk(sqlite_store: Store, workspace_id: int) -> None:
    server = GoogleServer(reviews=[review(n, stars="FIVE" if n % 2 else "ONE") for n in range(1, 56)])
    with serve(server.app()) as url:
        settings = GoogleReviewsSettings(locations=["accounts/1/locations/2"], base_url=f"{url}/v4")
        runner = SourceRunner(sqlite_store, workspace_id, google_review_sources(BRAND, settings, SECRETS))
        source = runner.sources[0]
        runner.store_page(source, next(source.poll({})))  # one page stored, then the process dies
        restarted = SourceRunner(sqlite_store, workspace_id, google_review_sources(BRAND, settings, SECRETS))
        rest = restarted.poll_once(restarted.sources[0])
    assert (rest.pages, rest.stored) == (2, 35)
    assert len(stored_ids(sqlite_store, "google_reviews")) == 55


def test_trustpilot_numbered_pages(sqlite_store: Store, workspace_id: int) -> None:
    broken = tp_review(7)
    del broken["stars"]
    server = GoogleServer(trustpilot=[tp_review(n) for n in range(1, 42) if n != 7] + [broken])
    with serve(server.app()) as url:
        settings = TrustpilotSettings(business_units=["46d6a890000064000500e0c3"], base_url=f"{url}/v1")
        runner = SourceRunner(sqlite_store, workspace_id, trustpilot_sources(BRAND, settings, SECRETS))
        report = runner.poll_once(runner.sources[0])
        server.trustpilot.append(tp_review(50))
        again = runner.poll_once(runner.sources[0])
    assert (report.pages, report.stored, report.quarantined, again.stored) == (3, 40, 1, 1)
    assert "'stars'" in quarantined(sqlite_store)[0].error


def test_youtube_resumes_a_killed_walk_and_reviews_survive_429_and_bad_items(
    sqlite_store: Store, workspace_id: int
) -> None:
    broken = review(30)
    del broken["createTime"]
    server = GoogleServer(
        threads=[thread(n) for n in range(1, 51)], reviews=[review(n) for n in range(1, 6)] + [broken]
    )
    with serve(server.app()) as url:
        settings = YouTubeSettings(videos=["vid1"], base_url=f"{url}/youtube/v3")
        runner = SourceRunner(sqlite_store, workspace_id, youtube_sources(BRAND, settings, SECRETS))
        source = runner.sources[0]
        runner.store_page(source, next(source.poll({})))  # one page, then killed
        restarted = SourceRunner(sqlite_store, workspace_id, youtube_sources(BRAND, settings, SECRETS))
        resumed = restarted.poll_once(restarted.sources[0])
        reviews = SourceRunner(
            sqlite_store,
            workspace_id,
            google_review_sources(
                BRAND,
                GoogleReviewsSettings(locations=["accounts/1/locations/2"], base_url=f"{url}/v4"),
                SECRETS,
            ),
        )
        server.quota = ["rateLimitExceeded", "rateLimitExceeded"]
        storm = [reviews.poll_once(reviews.sources[0]) for _ in range(2)]
        fetched = reviews.poll_once(reviews.sources[0])
    assert (resumed.stored, len(stored_ids(sqlite_store, "youtube"))) == (30, 50)
    assert all(r.error is not None and "rateLimitExceeded" in r.error for r in storm)
    assert (fetched.stored, fetched.quarantined) == (5, 1)


def test_trustpilot_429_then_resume_after_a_kill(sqlite_store: Store, workspace_id: int) -> None:
    server = GoogleServer(trustpilot=[tp_review(n) for n in range(1, 61)])
    app = server.app()
    limited = {"left": 2}

    @app.middleware("http")
    async def rate_limit(request: Request, call_next: Any) -> Response:
        if limited["left"]:
            limited["left"] -= 1
            return JSONResponse({"message": "Too many requests"}, 429, {"Retry-After": "30"})
        return await call_next(request)  # type: ignore[no-any-return]

    with serve(app) as url:
        settings = TrustpilotSettings(business_units=["unit"], base_url=f"{url}/v1")
        runner = SourceRunner(sqlite_store, workspace_id, trustpilot_sources(BRAND, settings, SECRETS))
        storm = [runner.poll_once(runner.sources[0]) for _ in range(2)]
        source = runner.sources[0]
        runner.store_page(source, next(source.poll({})))  # page 1 stored, then killed
        restarted = SourceRunner(sqlite_store, workspace_id, trustpilot_sources(BRAND, settings, SECRETS))
        resumed = restarted.poll_once(restarted.sources[0])
    assert [r.retry_after for r in storm] == [30.0, 30.0]
    assert (resumed.pages, resumed.stored) == (2, 40)
    assert len(stored_ids(sqlite_store, "trustpilot")) == 60


def test_youtube_reply_with_a_refresh_token() -> None:
    server = GoogleServer()
    secrets = Secrets(
        {
            "YOUTUBE_API_KEY": "k",
            "YOUTUBE_REFRESH_TOKEN": "r1",
            "YOUTUBE_CLIENT_ID": "cid",
            "YOUTUBE_CLIENT_SECRET": "cs",
        },
        env={},
    )
    with serve(server.app()) as url:
        settings = YouTubeSettings(videos=["vid1"], base_url=f"{url}/youtube/v3", token_url=f"{url}/token")
        published = reply_youtube(
            settings, secrets, Reply("youtube", "Ugz0001", "Thanks for telling us.", BRAND)
        )
    assert published.post_id == "Ugzreply" and server.inserted[0]["snippet"]["parentId"] == "Ugz0001"
