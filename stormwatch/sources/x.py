"""X (Twitter) API v2 over httpx: recent search, the filtered stream, own timelines, replies.

Not ``tweepy``: its ``Client`` and ``StreamingClient`` hard-code ``https://api.twitter.com`` as the
host (tweepy 4.17, ``client.py`` and ``streaming.py``), so they cannot be pointed at another server
— neither a test server nor the newer ``api.x.com``. The documented REST API is small enough to
follow directly: https://docs.x.com/x-api/posts/recent-search and …/filtered-stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from stormwatch.ingest.jsontext import JsonInputError, loads
from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, id_position, walk_newest_first
from stormwatch.sources.http import get_json, make_client, post_json
from stormwatch.sources.publishing import Published, Reply
from stormwatch.sources.reliability import SourceError, StreamDropped, check_response
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import XSettings

TWEET_FIELDS = "created_at,author_id,public_metrics,lang,conversation_id,referenced_tweets"
EXPANSIONS = "author_id"
USER_FIELDS = "username,public_metrics"


def tweet_record(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    user = users.get(tweet["author_id"], {})
    username = user.get("username")
    metrics = tweet.get("public_metrics") or {}
    replied = [ref["id"] for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == "replied_to"]
    return {
        "id": tweet["id"],
        "text": tweet["text"],
        "created_at": tweet["created_at"],
        "author": username or tweet["author_id"],
        "author_followers": (user.get("public_metrics") or {}).get("followers_count", 0),
        "url": f"https://x.com/{username or 'i/web'}/status/{tweet['id']}",
        "lang": tweet.get("lang"),
        "likes": metrics.get("like_count", 0),
        "shares": metrics.get("retweet_count", 0) + metrics.get("quote_count", 0),
        "comments": metrics.get("reply_count", 0),
        "reply_to": replied[0] if replied else None,
        "source": "x",
    }


def _users(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        user["id"]: user
        for user in (body.get("includes") or {}).get("users", [])
        if isinstance(user, dict) and "id" in user
    }


class XSource(Source):
    """Recent search for a query (and, with ``stream``, the filtered stream), or one own account."""

    network = "x"

    def __init__(
        self,
        brand: str,
        settings: XSettings,
        secrets: Secrets,
        *,
        query: str | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(brand, f"own:{account}" if account else f"search:{query}")
        self.query = query
        self.account = account
        self.live = bool(settings.stream and query)
        self.client = make_client(
            settings.base_url, {"Authorization": f"Bearer {secrets.require(settings.bearer_token_env, 'x')}"}
        )
        self._response: httpx.Response | None = None
        self._account_id: str | None = None

    def _fetch(
        self, token: str | None, cursor: Cursor
    ) -> tuple[list[Any], str | None, dict[str, dict[str, Any]]]:
        params = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": USER_FIELDS,
            "since_id": cursor.get("since_id"),
        }
        if self.account:
            user_id = self._user_id()
            body = get_json(self.client, "x", f"/2/users/{user_id}/tweets", pagination_token=token, **params)
        else:
            body = get_json(
                self.client, "x", "/2/tweets/search/recent", query=self.query, next_token=token, **params
            )
        return body.get("data") or [], (body.get("meta") or {}).get("next_token"), _users(body)

    def _user_id(self) -> str:
        if self._account_id is None:
            body = get_json(self.client, "x", f"/2/users/by/username/{self.account}")
            self._account_id = str(body["data"]["id"])
        return self._account_id

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        """Newest-first pages down to ``since_id``; the new since_id is set once the walk is done."""
        users: dict[str, dict[str, Any]] = {}
        builder = RecordBuilder("x", lambda tweet: tweet_record(tweet, users))

        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            items, next_token, page_users = self._fetch(token, cursor)
            users.update(page_users)
            return items, next_token

        walk_cursor = {"high_water": id_position(cursor.get("since_id")), "walk": cursor.get("walk")}
        for page in walk_newest_first(fetch, builder, walk_cursor, lambda tweet: id_position(tweet["id"])):
            yield Page(page.records, self._cursor(page.cursor), page.newest)

    @staticmethod
    def _cursor(walked: Cursor) -> Cursor:
        # Tweet ids are snowflakes: the highest id is the newest, which is what since_id wants.
        high_water = walked.get("high_water")
        cursor = {"since_id": high_water.lstrip("0") if high_water else None, "walk": walked.get("walk")}
        return {key: value for key, value in cursor.items() if value}

    def listen(self, cursor: Cursor) -> Iterator[Page]:
        """Catch up by search, make sure the stream rule exists, then follow the filtered stream."""
        last = cursor
        for page in self.poll(cursor):
            last = page.cursor
            yield page
        self._ensure_rule()
        builder = RecordBuilder("x", lambda body: tweet_record(body["data"], _users(body)))
        params = {"tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS}
        try:
            with self.client.stream(
                "GET", "/2/tweets/search/stream", params=params, timeout=httpx.Timeout(30.0, read=60.0)
            ) as response:
                self._response = response
                if response.status_code >= 400:
                    response.read()
                    check_response(response, "x")
                for line in response.iter_lines():
                    if not line.strip():
                        continue  # keep-alive: X sends a blank line every 20 seconds
                    record = self._stream_record(builder, line)
                    if record is None:
                        continue  # matched another brand's rule: the stream is shared by the whole app
                    tweet_id = (record.fields or {}).get("id")
                    if tweet_id and (
                        not last.get("since_id") or _id_key(tweet_id) > _id_key(last["since_id"])
                    ):
                        last = {**last, "since_id": tweet_id}
                    yield Page([record], last, builder.newest)
        except httpx.HTTPError as error:
            raise StreamDropped(f"x: stream dropped: {type(error).__name__}: {error}") from error
        finally:
            self._response = None

    def _stream_record(self, builder: RecordBuilder, line: str) -> RawRecord | None:
        try:
            body = loads(line)
        except JsonInputError as error:
            builder.counter += 1
            return RawRecord(builder.counter, line, None, f"x: stream line is not JSON we accept: {error}")
        rules = body.get("matching_rules") if isinstance(body, dict) else None
        if (
            isinstance(rules, list)
            and rules
            and not any(isinstance(rule, dict) and rule.get("tag") == self._rule_tag for rule in rules)
        ):
            return None
        builder.counter += 1
        return builder.record(body)

    @property
    def _rule_tag(self) -> str:
        return f"stormwatch:{self.brand}"

    def _ensure_rule(self) -> None:
        tag = self._rule_tag
        rules = get_json(self.client, "x", "/2/tweets/search/stream/rules").get("data") or []
        if any(rule.get("tag") == tag and rule.get("value") == self.query for rule in rules):
            return
        stale = [rule["id"] for rule in rules if rule.get("tag") == tag]
        if stale:
            post_json(self.client, "x", "/2/tweets/search/stream/rules", json={"delete": {"ids": stale}})
        post_json(
            self.client,
            "x",
            "/2/tweets/search/stream/rules",
            json={"add": [{"value": self.query, "tag": tag}]},
        )

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
        self.client.close()


def _id_key(tweet_id: str) -> tuple[int, str]:
    return (len(tweet_id), tweet_id)


def x_sources(brand: str, settings: XSettings, secrets: Secrets) -> list[Source]:
    sources: list[Source] = []
    if settings.query:
        sources.append(XSource(brand, settings, secrets, query=settings.query))
    sources += [XSource(brand, settings, secrets, account=account) for account in settings.accounts]
    return sources


def reply(settings: XSettings, secrets: Secrets, request: Reply) -> Published:
    """POST /2/tweets with ``reply.in_reply_to_tweet_id``; needs a user-context (OAuth 2.0 PKCE) token."""
    token = secrets.require(settings.user_token_env, "x reply (user-context token with tweet.write)")
    with make_client(settings.base_url, {"Authorization": f"Bearer {token}"}) as client:
        body = post_json(
            client,
            "x",
            "/2/tweets",
            json={"text": request.text, "reply": {"in_reply_to_tweet_id": request.in_reply_to}},
        )
    try:
        tweet_id = str(body["data"]["id"])
    except (KeyError, TypeError) as error:
        raise SourceError(f"x: unexpected answer to the reply: {body}") from error
    return Published("x", tweet_id, f"https://x.com/i/web/status/{tweet_id}")
