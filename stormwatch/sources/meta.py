"""Facebook Pages and Instagram professional accounts over the Graph API (httpx).

No official Python SDK is kept up for the Graph API (``facebook-sdk`` was abandoned in 2019), so
this follows the documented HTTP API: https://developers.facebook.com/docs/graph-api.

Per page (or Instagram account) three sources: the brand's own posts (the takeover watch), the
comments under its latest posts (fetched with field expansion, one request per page of posts),
and posts by others that tag or mention it. Graph rate limits come as HTTP 400/403 with error
codes 4, 17, 32, 613 or 80001-80014, not as 429; they are mapped to :class:`RateLimited`, with
the wait the ``X-Business-Use-Case-Usage`` header announces when it does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, time_position, walk_newest_first
from stormwatch.sources.http import make_client
from stormwatch.sources.publishing import Published, Reply
from stormwatch.sources.reliability import RateLimited, SourceError, check_response
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import FacebookSettings, InstagramSettings

RATE_LIMIT_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
PAGE_LIMIT = 50
RECENT_POSTS = 25  # comments are watched under this many of the latest posts
COMMENTS_PER_POST = 50

FB_POST_FIELDS = "id,message,created_time,from{id,name},permalink_url,shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
FB_COMMENT_FIELDS = "id,message,created_time,from{id,name},permalink_url,like_count,parent{id}"
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,username,like_count,comments_count"
IG_COMMENT_FIELDS = "id,text,timestamp,username,like_count,parent_id"


def graph_get(
    client: httpx.Client, network: str, url: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as error:
        raise SourceError(f"{network}: {type(error).__name__}: {error}") from error
    check_graph(response, network)
    body: dict[str, Any] = response.json()
    return body


def check_graph(response: httpx.Response, network: str) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if error.get("code") in RATE_LIMIT_CODES or response.status_code == 429:
        raise RateLimited(
            f"{network}: rate limited (Graph error {error.get('code')}): {error.get('message')}",
            _regain_seconds(response),
        )
    check_response(response, network)


def _regain_seconds(response: httpx.Response) -> float | None:
    """``estimated_time_to_regain_access`` (minutes) from the business use case usage header."""
    try:
        usage = json.loads(response.headers.get("x-business-use-case-usage", "{}"))
        minutes = max(
            entry.get("estimated_time_to_regain_access", 0) for entries in usage.values() for entry in entries
        )
    except (ValueError, AttributeError, TypeError):
        return None
    return float(minutes) * 60 if minutes else None


def facebook_post_record(post: dict[str, Any]) -> dict[str, Any]:
    author = post.get("from") or {}
    return {
        "id": post["id"],
        "text": post["message"],
        "created_at": post["created_time"],
        "author": author.get("name") or author.get("id"),
        "url": post.get("permalink_url") or f"https://www.facebook.com/{post['id']}",
        "likes": ((post.get("reactions") or {}).get("summary") or {}).get("total_count", 0),
        "shares": (post.get("shares") or {}).get("count", 0),
        "comments": ((post.get("comments") or {}).get("summary") or {}).get("total_count", 0),
        "reply_to": (post.get("parent") or {}).get("id") or post.get("post_id"),
        "source": "facebook",
    }


def instagram_record(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "text": item.get("caption") if "caption" in item else item["text"],
        "created_at": item["timestamp"],
        "author": item.get("username"),
        "url": item.get("permalink"),
        "likes": item.get("like_count") or 0,
        "comments": item.get("comments_count") or 0,
        "reply_to": item.get("parent_id") or item.get("media_id"),
        "source": "instagram",
    }


class GraphSource(Source):
    """One Graph edge walked newest first, following ``paging.next``."""

    def __init__(
        self,
        brand: str,
        name: str,
        network: str,
        client: httpx.Client,
        path: str,
        params: dict[str, Any],
        convert: Callable[[Any], dict[str, Any]],
        *,
        time_field: str,
        nested: str | None = None,
    ) -> None:
        super().__init__(brand, name)
        self.network = network
        self.client = client
        self.path = path
        self.params = params
        self.convert = convert
        self.time_field = time_field
        self.nested = nested  # take the items of this nested edge of each item (comments under posts)

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        builder = RecordBuilder(self.network, self.convert)
        if self.nested:
            yield from self._nested(builder, cursor)
            return

        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            body = (
                graph_get(self.client, self.network, token)
                if token
                else graph_get(self.client, self.network, self.path, self.params)
            )
            return body.get("data") or [], (body.get("paging") or {}).get("next")

        yield from walk_newest_first(
            fetch, builder, cursor, lambda item: time_position(item[self.time_field])
        )

    def _nested(self, builder: RecordBuilder, cursor: Cursor) -> Iterator[Page]:
        """Comments under the latest posts: the same posts are re-read each time, so no walk to resume."""
        assert self.nested is not None
        body = graph_get(self.client, self.network, self.path, self.params)
        items: list[Any] = []
        for parent in body.get("data") or []:
            for child in (
                ((parent.get(self.nested) or {}).get("data") or []) if isinstance(parent, dict) else []
            ):
                if isinstance(child, dict):
                    child.setdefault(
                        "post_id" if self.network == "facebook" else "media_id", parent.get("id")
                    )
                items.append(child)
        yield Page(builder.build(items), cursor, builder.newest)

    def close(self) -> None:
        self.client.close()


def facebook_sources(brand: str, settings: FacebookSettings, secrets: Secrets) -> list[Source]:
    token = secrets.require(settings.token_env, "facebook")
    sources: list[Source] = []
    for page in settings.pages:

        def client() -> httpx.Client:
            return make_client(settings.base_url, {"Authorization": f"Bearer {token}"})

        sources += [
            GraphSource(
                brand,
                f"{page}:posts",
                "facebook",
                client(),
                f"/{page}/posts",
                {"fields": FB_POST_FIELDS, "limit": PAGE_LIMIT},
                facebook_post_record,
                time_field="created_time",
            ),
            GraphSource(
                brand,
                f"{page}:tagged",
                "facebook",
                client(),
                f"/{page}/tagged",
                {"fields": FB_POST_FIELDS, "limit": PAGE_LIMIT},
                facebook_post_record,
                time_field="created_time",
            ),
            GraphSource(
                brand,
                f"{page}:comments",
                "facebook",
                client(),
                f"/{page}/posts",
                {
                    "fields": f"id,comments.order(reverse_chronological).limit({COMMENTS_PER_POST}){{{FB_COMMENT_FIELDS}}}",
                    "limit": RECENT_POSTS,
                },
                facebook_post_record,
                time_field="created_time",
                nested="comments",
            ),
        ]
    return sources


def instagram_sources(brand: str, settings: InstagramSettings, secrets: Secrets) -> list[Source]:
    token = secrets.require(settings.token_env, "instagram")
    sources: list[Source] = []
    for account in settings.accounts:

        def client() -> httpx.Client:
            return make_client(settings.base_url, {"Authorization": f"Bearer {token}"})

        sources += [
            GraphSource(
                brand,
                f"{account}:media",
                "instagram",
                client(),
                f"/{account}/media",
                {"fields": IG_MEDIA_FIELDS, "limit": PAGE_LIMIT},
                instagram_record,
                time_field="timestamp",
            ),
            GraphSource(
                brand,
                f"{account}:tags",
                "instagram",
                client(),
                f"/{account}/tags",
                {"fields": IG_MEDIA_FIELDS, "limit": PAGE_LIMIT},
                instagram_record,
                time_field="timestamp",
            ),
            GraphSource(
                brand,
                f"{account}:comments",
                "instagram",
                client(),
                f"/{account}/media",
                {
                    "fields": f"id,comments.limit({COMMENTS_PER_POST}){{{IG_COMMENT_FIELDS}}}",
                    "limit": RECENT_POSTS,
                },
                instagram_record,
                time_field="timestamp",
                nested="comments",
            ),
        ]
    return sources


def _post(client: httpx.Client, network: str, path: str, message: str) -> dict[str, Any]:
    try:
        response = client.post(path, data={"message": message})
    except httpx.HTTPError as error:
        raise SourceError(f"{network}: reply failed: {error}") from error
    check_graph(response, network)
    body: dict[str, Any] = response.json()
    return body


def reply_facebook(settings: FacebookSettings, secrets: Secrets, request: Reply) -> Published:
    """POST /{post-or-comment-id}/comments as the Page (a Page token with pages_manage_engagement)."""
    token = secrets.require(settings.token_env, "facebook reply")
    with make_client(settings.base_url, {"Authorization": f"Bearer {token}"}) as client:
        created = _post(client, "facebook", f"/{request.in_reply_to}/comments", request.text)
        comment_id = str(created["id"])
        link = graph_get(client, "facebook", f"/{comment_id}", {"fields": "permalink_url"}).get(
            "permalink_url"
        )
    return Published("facebook", comment_id, link or f"https://www.facebook.com/{comment_id}")


def reply_instagram(settings: InstagramSettings, secrets: Secrets, request: Reply) -> Published:
    """Reply to a comment (POST /{comment-id}/replies) or, for a media id, comment on it."""
    token = secrets.require(settings.token_env, "instagram reply")
    with make_client(settings.base_url, {"Authorization": f"Bearer {token}"}) as client:
        try:
            created = _post(client, "instagram", f"/{request.in_reply_to}/replies", request.text)
        except RateLimited:
            raise
        except SourceError:
            # Not a comment id: the Graph API answers #100; the mention was a media object.
            created = _post(client, "instagram", f"/{request.in_reply_to}/comments", request.text)
        reply_id = str(created["id"])
        permalink = None
        try:
            parent = graph_get(client, "instagram", f"/{reply_id}", {"fields": "media{permalink}"})
            permalink = (parent.get("media") or {}).get("permalink")
        except SourceError:
            pass  # the reply exists; only its address could not be read
    return Published("instagram", reply_id, permalink)
