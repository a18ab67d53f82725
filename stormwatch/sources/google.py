"""Google APIs over httpx: YouTube Data API v3 comments and uploads, Business Profile reviews.

The official ``google-api-python-client`` builds its requests from discovery documents fetched
at run time (or bundled, ~50 MB of them) and drags in the whole auth stack; for three list calls
and one insert, the documented REST endpoints are simpler:
https://developers.google.com/youtube/v3/docs/commentThreads/list and
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list.

Quota errors come as HTTP 403 with reason ``quotaExceeded`` (reset at midnight Pacific time) or
429 ``rateLimitExceeded``; both become :class:`RateLimited`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, time_position, walk_newest_first
from stormwatch.sources.http import make_client
from stormwatch.sources.publishing import Published, Reply
from stormwatch.sources.reliability import RateLimited, SourceError, check_response
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import GoogleReviewsSettings, YouTubeSettings

PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


def google_json(client: httpx.Client, network: str, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        raise SourceError(f"{network}: {type(error).__name__}: {error}") from error
    if response.status_code in (403, 429):
        reasons = _reasons(response)
        if reasons & QUOTA_REASONS or response.status_code == 429:
            wait = _until_pacific_midnight() if reasons & {"quotaExceeded", "dailyLimitExceeded"} else None
            raise RateLimited(
                f"{network}: quota or rate limit ({', '.join(sorted(reasons)) or response.status_code})", wait
            )
    check_response(response, network)
    body: dict[str, Any] = response.json()
    return body


def _reasons(response: httpx.Response) -> set[str]:
    try:
        errors = response.json()["error"].get("errors") or []
        return {str(error.get("reason")) for error in errors}
    except (ValueError, KeyError, AttributeError, TypeError):
        return set()


def _until_pacific_midnight(now: datetime | None = None) -> float:
    now = now or datetime.now(PACIFIC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


# -- YouTube ------------------------------------------------------------------------------------


def comment_thread_record(thread: dict[str, Any]) -> dict[str, Any]:
    top = thread["snippet"]["topLevelComment"]
    snippet = top["snippet"]
    video = snippet.get("videoId") or thread["snippet"].get("videoId")
    return {
        "id": top["id"],
        "text": snippet["textOriginal"],
        "created_at": snippet["publishedAt"],
        "author": snippet.get("authorDisplayName", "").lstrip("@") or None,
        "url": f"https://www.youtube.com/watch?v={video}&lc={top['id']}" if video else None,
        "likes": snippet.get("likeCount") or 0,
        "comments": thread["snippet"].get("totalReplyCount") or 0,
        "reply_to": video,
        "source": "youtube",
    }


def upload_record(item: dict[str, Any]) -> dict[str, Any]:
    snippet = item["snippet"]
    video = item["contentDetails"]["videoId"]
    return {
        "id": video,
        "text": f"{snippet['title']}\n\n{snippet.get('description') or ''}".strip(),
        "created_at": item["contentDetails"].get("videoPublishedAt") or snippet["publishedAt"],
        "author": snippet.get("channelTitle"),
        "url": f"https://www.youtube.com/watch?v={video}",
        "source": "youtube",
    }


class PagedGoogleSource(Source):
    """A list call paged with ``pageToken`` / ``nextPageToken``, newest first."""

    def __init__(
        self,
        brand: str,
        name: str,
        network: str,
        client: httpx.Client,
        path: str,
        params: dict[str, Any],
        convert: Callable[[Any], dict[str, Any]],
        position: Callable[[Any], str | None],
        items_key: str = "items",
    ) -> None:
        super().__init__(brand, name)
        self.network = network
        self.client = client
        self.path = path
        self.params = params
        self.convert = convert
        self.position = position
        self.items_key = items_key

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            params = {**self.params, **({"pageToken": token} if token else {})}
            body = google_json(self.client, self.network, "GET", self.path, params=params)
            return body.get(self.items_key) or [], body.get("nextPageToken")

        yield from walk_newest_first(fetch, RecordBuilder(self.network, self.convert), cursor, self.position)

    def close(self) -> None:
        self.client.close()


def youtube_sources(brand: str, settings: YouTubeSettings, secrets: Secrets) -> list[Source]:
    key = secrets.require(settings.api_key_env, "youtube")
    sources: list[Source] = []

    def thread_time(thread: Any) -> str | None:
        return time_position(thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"])

    common = {"part": "snippet", "maxResults": 100, "order": "time", "textFormat": "plainText", "key": key}
    for channel in settings.channels:
        sources.append(
            PagedGoogleSource(
                brand,
                f"{channel}:comments",
                "youtube",
                make_client(settings.base_url),
                "/commentThreads",
                {**common, "allThreadsRelatedToChannelId": channel},
                comment_thread_record,
                thread_time,
            )
        )
        # A channel's uploads playlist is its id with "UC" turned into "UU": the own-posts watch.
        uploads = "UU" + channel[2:] if channel.startswith("UC") else channel
        sources.append(
            PagedGoogleSource(
                brand,
                f"{channel}:uploads",
                "youtube",
                make_client(settings.base_url),
                "/playlistItems",
                {"part": "snippet,contentDetails", "maxResults": 50, "playlistId": uploads, "key": key},
                upload_record,
                lambda item: time_position(
                    item["contentDetails"].get("videoPublishedAt") or item["snippet"]["publishedAt"]
                ),
            )
        )
    for video in settings.videos:
        sources.append(
            PagedGoogleSource(
                brand,
                f"{video}:comments",
                "youtube",
                make_client(settings.base_url),
                "/commentThreads",
                {**common, "videoId": video},
                comment_thread_record,
                thread_time,
            )
        )
    return sources


def reply_youtube(settings: YouTubeSettings, secrets: Secrets, request: Reply) -> Published:
    """comments.insert with ``snippet.parentId`` = the top-level comment (OAuth, youtube.force-ssl)."""
    token = secrets.get(settings.oauth_token_env) or refreshed_access_token(settings, secrets)
    with make_client(settings.base_url, {"Authorization": f"Bearer {token}"}) as client:
        body = google_json(
            client,
            "youtube",
            "POST",
            "/comments",
            params={"part": "snippet"},
            json={"snippet": {"parentId": request.in_reply_to, "textOriginal": request.text}},
        )
    comment_id = str(body["id"])
    video = (body.get("snippet") or {}).get("videoId")
    return Published(
        "youtube", comment_id, f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None
    )


def refreshed_access_token(settings: YouTubeSettings, secrets: Secrets) -> str:
    """Exchange the channel's refresh token for an access token (Google's OAuth 2.0 token endpoint)."""
    what = "youtube reply (an OAuth token with youtube.force-ssl, or a refresh token and its client)"
    if not secrets.get(settings.oauth_refresh_token_env):
        secrets.require(settings.oauth_token_env, what)  # raises, naming the simplest way
    form = {
        "grant_type": "refresh_token",
        "refresh_token": secrets.require(settings.oauth_refresh_token_env, what),
        "client_id": secrets.require(settings.oauth_client_id_env, what),
        "client_secret": secrets.require(settings.oauth_client_secret_env, what),
    }
    with make_client() as client:
        body = google_json(client, "youtube", "POST", settings.token_url, data=form)
    try:
        return str(body["access_token"])
    except KeyError as error:
        raise SourceError(f"youtube: the token endpoint gave no access token: {body}") from error


# -- Google Business Profile reviews -----------------------------------------------------------


def google_review_record(review: dict[str, Any]) -> dict[str, Any]:
    stars = STARS[review["starRating"]] if review.get("starRating") in STARS else None
    comment = review.get("comment") or ""
    rating = f"Rated {stars}/5." if stars else ""
    return {
        "id": review["reviewId"],
        "text": f"{rating} {comment}".strip() or None,
        "created_at": review["createTime"],
        "author": (review.get("reviewer") or {}).get("displayName"),
        "url": None,
        "source": "google_reviews",
    }


def google_review_sources(brand: str, settings: GoogleReviewsSettings, secrets: Secrets) -> list[Source]:
    token = secrets.require(settings.token_env, "google reviews")
    return [
        PagedGoogleSource(
            brand,
            location,
            "google_reviews",
            make_client(settings.base_url, {"Authorization": f"Bearer {token}"}),
            f"/{location}/reviews",
            {"pageSize": 50, "orderBy": "updateTime desc"},
            google_review_record,
            lambda review: time_position(review.get("updateTime") or review["createTime"]),
            items_key="reviews",
        )
        for location in settings.locations
    ]
