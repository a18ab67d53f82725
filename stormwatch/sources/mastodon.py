"""Mastodon with ``Mastodon.py``: hashtag timelines and full-text search, the hashtag stream (SSE)
for live posts, the brand's own accounts, and replies.

Polling walks forward with ``min_id`` (statuses just newer than the checkpoint), so a checkpoint is
saved after every page. The stream is followed between polls; each (re)connection starts with a
catch-up poll from the checkpoint, so nothing posted while the stream was down is missed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from mastodon import Mastodon, MastodonError, MastodonRatelimitError, StreamListener
from mastodon.errors import MastodonMalformedEventError

from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, plain_text
from stormwatch.sources.publishing import Published, Reply
from stormwatch.sources.reliability import RateLimited, SourceError, StreamDropped
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import MastodonSettings

log = logging.getLogger(__name__)

PAGE_LIMIT = 40  # the API's maximum for timelines


def make_client(settings: MastodonSettings, secrets: Secrets) -> Mastodon:
    # "throw": a 429 ends this fetch and the runner waits, instead of the library sleeping inside it.
    return Mastodon(
        access_token=secrets.get(settings.token_env),
        api_base_url=settings.api_base_url,
        ratelimit_method="throw",
        request_timeout=30,
    )


def status_record(status: Any) -> dict[str, Any]:
    account = status["account"]
    return {
        "id": str(status["id"]),
        "text": plain_text(status["content"]) or plain_text(status.get("spoiler_text") or ""),
        "created_at": status["created_at"],
        "author": account["acct"],
        "author_followers": account.get("followers_count") or 0,
        "url": status.get("url") or status.get("uri"),
        "lang": status.get("language"),
        "likes": status.get("favourites_count") or 0,
        "shares": status.get("reblogs_count") or 0,
        "comments": status.get("replies_count") or 0,
        "reply_to": str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
        "source": "mastodon",
    }


class MastodonSource(Source):
    """One hashtag, search query or own account on one instance."""

    network = "mastodon"

    def __init__(
        self,
        brand: str,
        name: str,
        client: Mastodon,
        fetch: Callable[[str | None], list[Any]],
        *,
        tag: str | None = None,
    ) -> None:
        super().__init__(brand, name)
        self.client = client
        self._fetch = fetch
        self.tag = tag
        self.live = tag is not None
        self._stream: _QueueListener | None = None

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        builder = RecordBuilder("mastodon", status_record)
        min_id: str | None = cursor.get("min_id")
        while True:
            statuses = self._call(self._fetch, min_id)
            if not statuses:
                if min_id is None:
                    yield Page([], cursor)
                return
            newest_id = max((str(status["id"]) for status in statuses), key=_id_order)
            if min_id is not None and _id_order(newest_id) <= _id_order(min_id):
                return  # a server that ignores min_id: nothing newer
            yield Page(builder.build(list(statuses)), {"min_id": newest_id}, builder.newest)
            if len(statuses) < PAGE_LIMIT and min_id is None:
                return  # the very first poll takes the newest page only; later polls walk forward
            min_id = newest_id

    def listen(self, cursor: Cursor) -> Iterator[Page]:
        assert self.tag is not None
        last: Cursor = cursor
        for page in self.poll(cursor):  # catch up on what was posted while we were away
            last = page.cursor
            yield page
        listener = self._stream = _QueueListener()
        thread = threading.Thread(
            target=self._run_stream, args=(listener,), name=f"mastodon #{self.tag}", daemon=True
        )
        thread.start()
        builder = RecordBuilder("mastodon", status_record)
        while True:
            kind, value = listener.events.get()
            if kind == "update":
                record = builder.record(value)
                status_id = str(value.get("id", "")) if isinstance(value, dict) else ""
                if status_id and (not last.get("min_id") or _id_order(status_id) > _id_order(last["min_id"])):
                    last = {"min_id": status_id}
                yield Page([record], last, builder.newest)
            elif kind == "malformed":
                builder.counter += 1
                yield Page(
                    [RawRecord(builder.counter, str(value), None, f"malformed stream event: {value}")], last
                )
            else:
                raise StreamDropped(f"mastodon: stream #{self.tag} dropped: {value}")

    def _run_stream(self, listener: _QueueListener) -> None:
        try:
            self.client.stream_hashtag(self.tag, listener)
            listener.events.put(("end", "the server closed the stream"))
        except Exception as error:
            listener.events.put(("end", f"{type(error).__name__}: {error}"))

    def _call(self, request: Callable[[str | None], list[Any]], min_id: str | None) -> list[Any]:
        try:
            return request(min_id)
        except MastodonRatelimitError as error:
            reset = self.client.ratelimit_reset
            raise RateLimited(
                f"mastodon: rate limited ({error})", max(0.0, reset - time.time()) if reset else None
            ) from error
        except MastodonError as error:
            raise SourceError(f"mastodon: {type(error).__name__}: {error}") from error

    def close(self) -> None:
        if self._stream is not None:
            self._stream.closed = True


class _QueueListener(StreamListener):
    """Hands stream events to the source's generator through a queue."""

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.closed = False

    def on_update(self, status: Any) -> None:
        self._check()
        self.events.put(("update", status))

    def handle_heartbeat(self) -> None:
        self._check()

    def on_abort(self, err: Exception) -> None:
        if isinstance(err, MastodonMalformedEventError):
            self.events.put(("malformed", " ".join(str(arg) for arg in err.args)))

    def _check(self) -> None:
        if self.closed:
            raise MastodonMalformedEventError("stream closed by stormwatch")


def _id_order(status_id: str) -> tuple[int, str]:
    # Mastodon ids are numeric strings (snowflakes): compare by length, then text.
    return (len(status_id), status_id)


def mastodon_sources(brand: str, settings: MastodonSettings, secrets: Secrets) -> list[Source]:
    client = make_client(settings, secrets)
    sources: list[Source] = []
    for tag in (tag.lstrip("#") for tag in settings.hashtags):
        sources.append(
            MastodonSource(
                brand, f"#{tag}", client, _hashtag(client, tag), tag=tag if settings.stream else None
            )
        )
    for query in settings.queries:
        sources.append(MastodonSource(brand, f"search:{query}", client, _search(client, query)))
    for account in settings.accounts:
        sources.append(MastodonSource(brand, f"own:{account}", client, _account(client, account)))
    return sources


def _hashtag(client: Mastodon, tag: str) -> Callable[[str | None], list[Any]]:
    return lambda min_id: list(client.timeline_hashtag(tag, min_id=min_id, limit=PAGE_LIMIT))


def _search(client: Mastodon, query: str) -> Callable[[str | None], list[Any]]:
    def fetch(min_id: str | None) -> list[Any]:
        found = client.search_v2(
            query, resolve=False, result_type="statuses", min_id=min_id, limit=PAGE_LIMIT
        )
        return list(found["statuses"])

    return fetch


def _account(client: Mastodon, account: str) -> Callable[[str | None], list[Any]]:
    known: list[Any] = []  # the account's id, looked up once

    def fetch(min_id: str | None) -> list[Any]:
        if not known:
            known.append(client.account_lookup(account)["id"])
        return list(client.account_statuses(known[0], min_id=min_id, limit=PAGE_LIMIT))

    return fetch


def reply(settings: MastodonSettings, secrets: Secrets, request: Reply) -> Published:
    client = make_client(settings, secrets)
    secrets.require(settings.token_env, "mastodon reply")
    try:
        status = client.status_post(request.text, in_reply_to_id=request.in_reply_to)
    except MastodonError as error:
        raise SourceError(f"mastodon: reply failed: {error}") from error
    return Published("mastodon", str(status["id"]), status.get("url") or status.get("uri"))
