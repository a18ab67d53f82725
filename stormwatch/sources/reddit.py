"""Reddit with ``praw``: new posts (or a search) and new comments in the brand's subreddits, the
brand's own accounts, and replies. ``oauth_url`` and ``reddit_url`` are praw settings, which is
how the tests point it at a local server.

Listings page from the newest item back with ``after``; each page is a checkpoint (see
:func:`walk_newest_first`). Items are read from the data Reddit sent, never through praw's lazy
attributes, so a malformed item cannot trigger extra requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import praw
import prawcore
from praw.models import Comment, Submission

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
from stormwatch.sources.reliability import RateLimited, SourceError
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import RedditSettings

PAGE_LIMIT = 100
WEB = "https://www.reddit.com"

Listing = Callable[[praw.Reddit, dict[str, str | int]], Any]


def make_client(settings: RedditSettings, secrets: Secrets, *, as_user: bool = False) -> praw.Reddit:
    credentials: dict[str, Any] = {
        "client_id": secrets.require(settings.client_id_env, "reddit"),
        "client_secret": secrets.get(settings.client_secret_env),
    }
    if as_user:  # a "script" app acting as the brand's account: needed to reply
        credentials["username"] = secrets.require(settings.username_env, "reddit reply")
        credentials["password"] = secrets.require(settings.password_env, "reddit reply")
    return praw.Reddit(
        user_agent=settings.user_agent,
        oauth_url=settings.oauth_url,
        reddit_url=settings.reddit_url,
        check_for_updates=False,
        **credentials,
    )


def item_data(item: Any) -> dict[str, Any]:
    """The fields Reddit sent for a Submission or Comment, without praw's lazy loading."""
    data = {
        key: value
        for key, value in vars(item).items()
        if not key.startswith("_") and isinstance(value, str | int | float | bool | None)
    }
    author = vars(item).get("author")
    data["author"] = getattr(author, "name", None) if author is not None else None
    data["kind"] = "t1" if isinstance(item, Comment) else "t3"
    return data


def thing_record(data: dict[str, Any]) -> dict[str, Any]:
    if data["kind"] == "t3":
        text = f"{data['title']}\n\n{data.get('selftext') or ''}".strip()
        reply_to = None
    else:
        text = data["body"]
        reply_to = data.get("parent_id")
    return {
        "id": f"{data['kind']}_{data['id']}",
        "text": text,
        "created_at": datetime.fromtimestamp(float(data["created_utc"]), UTC).isoformat(),
        "author": data.get("author") or "[deleted]",
        "url": WEB + data["permalink"] if data.get("permalink") else None,
        "likes": max(int(data.get("score") or 0), 0),
        "comments": int(data.get("num_comments") or 0),
        "reply_to": reply_to,
        "source": "reddit",
    }


def _created(data: dict[str, Any]) -> str | None:
    return time_position(datetime.fromtimestamp(float(data["created_utc"]), UTC).isoformat())


class RedditSource(Source):
    network = "reddit"

    def __init__(
        self,
        brand: str,
        name: str,
        client: Callable[[], praw.Reddit],
        listing: Listing,
        keywords: list[str] | None = None,
    ) -> None:
        super().__init__(brand, name)
        self._client_factory = client
        self._client: praw.Reddit | None = None
        self._listing = listing
        self.keywords = keywords  # filter comment streams, which Reddit cannot search

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        builder = RecordBuilder("reddit", thing_record)

        def fetch(after: str | None) -> tuple[list[Any], str | None]:
            try:
                if self._client is None:
                    self._client = self._client_factory()
                params: dict[str, str | int] = {"after": after} if after else {}
                listing = self._listing(self._client, params)
                items = list(listing)
                # praw pages on its own up to the limit and keeps the last "after" in its params;
                # fewer items than the limit means the listing is exhausted.
                next_after = listing.params.get("after") if len(items) >= PAGE_LIMIT else None
            except prawcore.TooManyRequests as error:
                raise RateLimited(
                    f"reddit: rate limited: {error}", float(error.retry_after) if error.retry_after else None
                ) from error
            except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as error:
                raise SourceError(f"reddit: {type(error).__name__}: {error}") from error
            return [item_data(item) for item in items], next_after if next_after != after else None

        yield from walk_newest_first(fetch, builder, cursor, _created, keep=self._wanted)

    def _wanted(self, data: dict[str, Any]) -> bool:
        if self.keywords is None:
            return True
        return keyword_match(
            f"{data.get('title') or ''} {data.get('selftext') or ''} {data.get('body') or ''}", self.keywords
        )


def reddit_sources(
    brand: str, settings: RedditSettings, secrets: Secrets, keywords: list[str]
) -> list[Source]:
    def client() -> praw.Reddit:
        return make_client(settings, secrets)

    sources: list[Source] = []
    if settings.subreddits:
        subs = "+".join(name.removeprefix("r/") for name in settings.subreddits)
        if settings.query:
            sources.append(RedditSource(brand, f"r/{subs}:search", client, _search(subs, settings.query)))
        else:
            sources.append(RedditSource(brand, f"r/{subs}:new", client, _new(subs), keywords))
        sources.append(RedditSource(brand, f"r/{subs}:comments", client, _comments(subs), keywords))
    for account in settings.accounts:
        name = account.removeprefix("u/")
        sources.append(RedditSource(brand, f"own:{name}", client, _own(name)))
    return sources


def _search(subs: str, query: str) -> Listing:
    return lambda reddit, params: reddit.subreddit(subs).search(
        query, sort="new", limit=PAGE_LIMIT, params=params
    )


def _new(subs: str) -> Listing:
    return lambda reddit, params: reddit.subreddit(subs).new(limit=PAGE_LIMIT, params=params)


def _comments(subs: str) -> Listing:
    return lambda reddit, params: reddit.subreddit(subs).comments(limit=PAGE_LIMIT, params=params)


def _own(name: str) -> Listing:
    return lambda reddit, params: reddit.redditor(name).new(limit=PAGE_LIMIT, params=params)


def reply(settings: RedditSettings, secrets: Secrets, request: Reply) -> Published:
    """Reply to a post (``t3_…``) or a comment (``t1_…``) as the brand's account."""
    reddit = make_client(settings, secrets, as_user=True)
    kind, _, thing_id = request.in_reply_to.partition("_")
    try:
        target: Submission | Comment = (
            reddit.submission(id=thing_id) if kind == "t3" else reddit.comment(id=thing_id)
        )
        comment = target.reply(request.text)
    except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as error:
        raise SourceError(f"reddit: reply failed: {error}") from error
    if comment is None:
        raise SourceError("reddit: the reply was not accepted")
    permalink = vars(comment).get("permalink")
    return Published("reddit", f"t1_{comment.id}", WEB + permalink if permalink else None)
