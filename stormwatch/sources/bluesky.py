"""Bluesky with the ``atproto`` client (post search, own author feeds, replies) and Jetstream
(the firehose as JSON over a websocket, with a microsecond cursor) for live posts.

The search walks newest-first pages down to the last walk's newest post (see
:func:`walk_newest_first`); Jetstream resumes natively from its ``time_us`` cursor, so a dropped
socket reconnects exactly where it stopped. Jetstream carries every post of the network: the
brand's keywords filter it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from atproto import Client, models
from atproto_client.exceptions import AtProtocolError, RateLimitExceededError
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from stormwatch.ingest.jsontext import loads
from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.base import (
    Cursor,
    Page,
    RecordBuilder,
    Source,
    keyword_match,
    time_position,
    walk_newest_first,
)
from stormwatch.sources.publishing import Published, Reply
from stormwatch.sources.reliability import RateLimited, SourceError, StreamDropped
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import BlueskySettings

PAGE_LIMIT = 100
REWIND_MICROSECONDS = 2_000_000  # Jetstream's advice: rewind a few seconds on reconnect
CHECKPOINT_EVERY = 500  # events without a mention between two checkpoints


def post_url(author: str, uri: str) -> str:
    return f"https://bsky.app/profile/{author}/post/{uri.rsplit('/', 1)[-1]}"


def post_record(post: dict[str, Any]) -> dict[str, Any]:
    """A PostView (app.bsky.feed.defs#postView) as a mention."""
    record = post["record"]
    author = post["author"]
    reply = record.get("reply") or {}
    return {
        "id": post["uri"],
        "text": record["text"],
        "created_at": record["createdAt"],
        "author": author["handle"],
        "author_followers": author.get("followersCount") or 0,
        "url": post_url(author["handle"], post["uri"]),
        "lang": (record.get("langs") or [None])[0],
        "likes": post.get("likeCount") or 0,
        "shares": (post.get("repostCount") or 0) + (post.get("quoteCount") or 0),
        "comments": post.get("replyCount") or 0,
        "reply_to": (reply.get("parent") or {}).get("uri"),
        "source": "bluesky",
    }


def jetstream_record(event: dict[str, Any]) -> dict[str, Any]:
    """A Jetstream commit event creating an app.bsky.feed.post as a mention."""
    commit = event["commit"]
    record = commit["record"]
    uri = f"at://{event['did']}/{commit['collection']}/{commit['rkey']}"
    return {
        "id": uri,
        "text": record["text"],
        "created_at": record["createdAt"],
        "author": event["did"],
        "url": post_url(event["did"], uri),
        "lang": (record.get("langs") or [None])[0],
        "reply_to": ((record.get("reply") or {}).get("parent") or {}).get("uri"),
        "source": "bluesky",
    }


def _as_dict(model: Any) -> dict[str, Any]:
    if isinstance(model, dict):
        return model
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[no-any-return]


def make_client(settings: BlueskySettings, secrets: Secrets) -> Client:
    client = Client(base_url=settings.base_url)
    client.login(
        secrets.require(settings.identifier_env, "bluesky"), secrets.require(settings.password_env, "bluesky")
    )
    return client


class BlueskySearchSource(Source):
    """Search results for one query, or one own account's feed."""

    network = "bluesky"

    def __init__(
        self,
        brand: str,
        name: str,
        connect_client: Callable[[], Client],
        page: Callable[[Client, str | None], tuple[list[Any], str | None]],
    ) -> None:
        super().__init__(brand, name)
        self._connect = connect_client
        self._page = page
        self._client: Client | None = None

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        builder = RecordBuilder("bluesky", post_record)

        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            try:
                if self._client is None:
                    self._client = self._connect()
                posts, next_token = self._page(self._client, token)
            except RateLimitExceededError as error:
                raise RateLimited(f"bluesky: rate limited: {error}", _retry_after(error)) from error
            except AtProtocolError as error:
                raise SourceError(f"bluesky: {type(error).__name__}: {error}") from error
            return [_as_dict(post) for post in posts], next_token

        yield from walk_newest_first(
            fetch, builder, cursor, lambda post: time_position(post["record"]["createdAt"])
        )


def _retry_after(error: RateLimitExceededError) -> float | None:
    if error.retry_after is not None:
        return float(error.retry_after)
    reset = error.reset_at
    if reset is None:
        return None
    return max(0.0, float((reset - datetime.now(UTC)).total_seconds()))


class JetstreamSource(Source):
    """Live posts from Jetstream that name one of the brand's keywords."""

    network = "bluesky"
    live = True
    pollable = False

    def __init__(self, brand: str, url: str, keywords: list[str]) -> None:
        super().__init__(brand, "jetstream")
        self.url = url
        self.keywords = keywords
        self._socket: ClientConnection | None = None

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        yield from ()  # the stream is the only way in

    def listen(self, cursor: Cursor) -> Iterator[Page]:
        params: dict[str, Any] = {"wantedCollections": "app.bsky.feed.post"}
        if cursor.get("time_us"):
            params["cursor"] = int(cursor["time_us"]) - REWIND_MICROSECONDS
        builder = RecordBuilder("bluesky", jetstream_record)
        try:
            with connect(f"{self.url}?{urlencode(params)}", open_timeout=10, close_timeout=2) as socket:
                self._socket = socket
                skipped = 0
                for message in socket:
                    page = self._page(builder, message, cursor)
                    if page.records or skipped >= CHECKPOINT_EVERY:
                        skipped = 0
                        cursor = page.cursor
                        yield page
                    else:
                        skipped += 1  # other people's posts: checkpoint now and then, not on each
        except (WebSocketException, OSError, TimeoutError) as error:
            raise StreamDropped(f"bluesky: jetstream dropped: {type(error).__name__}: {error}") from error
        finally:
            self._socket = None

    def _page(self, builder: RecordBuilder, message: str | bytes, cursor: Cursor) -> Page:
        try:
            event = loads(message)  # JsonInputError (too deep, too long a number) is a ValueError
            time_us = int(event["time_us"])
        except (ValueError, KeyError, TypeError) as error:
            builder.counter += 1
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            return Page(
                [RawRecord(builder.counter, text, None, f"bluesky: unreadable jetstream event: {error}")],
                cursor,
            )
        moved = {"time_us": max(time_us, int(cursor.get("time_us") or 0))}
        commit = event.get("commit") or {}
        if (
            event.get("kind") != "commit"
            or commit.get("operation") != "create"
            or commit.get("collection") != "app.bsky.feed.post"
        ):
            return Page([], moved)
        record = commit.get("record")
        if isinstance(record, dict) and not keyword_match(str(record.get("text", "")), self.keywords):
            return Page([], moved)
        builder.counter += 1
        return Page([builder.record(event)], moved, builder.newest)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()


def bluesky_sources(
    brand: str, settings: BlueskySettings, secrets: Secrets, keywords: list[str]
) -> list[Source]:
    client: list[Client] = []

    def shared_client() -> Client:
        # One login for all of the brand's searches; made on first use so `sources list` needs no network.
        if not client:
            client.append(make_client(settings, secrets))
        return client[0]

    sources: list[Source] = []
    for query in settings.queries:

        def search(c: Client, token: str | None, query: str = query) -> tuple[list[Any], str | None]:
            answer = c.app.bsky.feed.search_posts(
                params={"q": query, "sort": "latest", "limit": PAGE_LIMIT, "cursor": token}
            )
            return list(answer.posts), answer.cursor

        sources.append(BlueskySearchSource(brand, f"search:{query}", shared_client, search))
    for account in settings.accounts:

        def feed(c: Client, token: str | None, account: str = account) -> tuple[list[Any], str | None]:
            answer = c.get_author_feed(actor=account, cursor=token, limit=PAGE_LIMIT)
            return [item.post for item in answer.feed], answer.cursor

        sources.append(BlueskySearchSource(brand, f"own:{account}", shared_client, feed))
    if settings.jetstream_url and keywords:
        sources.append(JetstreamSource(brand, settings.jetstream_url, keywords))
    return sources


def reply(settings: BlueskySettings, secrets: Secrets, request: Reply) -> Published:
    """Reply to the post at URI ``in_reply_to``: the parent is that post, the root its thread's root."""
    try:
        client = make_client(settings, secrets)
        parent = client.get_posts([request.in_reply_to]).posts[0]
        parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid)
        thread = getattr(parent.record, "reply", None)
        root_ref = (
            models.ComAtprotoRepoStrongRef.Main(uri=thread.root.uri, cid=thread.root.cid)
            if thread
            else parent_ref
        )
        created = client.send_post(
            request.text, reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent_ref, root=root_ref)
        )
    except (AtProtocolError, IndexError) as error:
        raise SourceError(f"bluesky: reply failed: {error}") from error
    handle = client.me.handle if client.me else secrets.require(settings.identifier_env, "bluesky")
    return Published("bluesky", created.uri, post_url(handle, created.uri))
