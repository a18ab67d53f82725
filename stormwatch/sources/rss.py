"""RSS and Atom feeds (news, blogs, Google Alerts) with ``feedparser``, fetched by httpx.

httpx does the fetching so that conditional requests (ETag / Last-Modified → 304), timeouts and
429s are handled like every other source; feedparser parses whatever RSS/Atom dialect comes back.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import feedparser
import httpx

from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, keyword_match, plain_text
from stormwatch.sources.http import make_client
from stormwatch.sources.reliability import SourceError, check_response
from stormwatch.sources.settings import RssSettings


class FeedSource(Source):
    network = "rss"

    def __init__(self, brand: str, feed_url: str, keywords: list[str] | None = None) -> None:
        super().__init__(brand, feed_url)
        self.feed_url = feed_url
        self.keywords = keywords  # None: keep every entry
        self.client = make_client()

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        try:
            response = self.client.get(self.feed_url, headers=headers)
        except httpx.HTTPError as error:
            raise SourceError(f"rss: {self.feed_url}: {type(error).__name__}: {error}") from error
        check_response(response, "rss")
        if response.status_code == 304:
            yield Page([], cursor)  # unchanged: still a successful check
            return
        feed = feedparser.parse(response.content, response_headers=dict(response.headers))
        if feed.bozo and not feed.entries:
            raise SourceError(f"rss: {self.feed_url}: not a feed ({feed.get('bozo_exception')})")
        entries = [entry for entry in feed.entries if self._wanted(entry)]
        builder = RecordBuilder("rss", lambda entry: entry_record(entry, self.feed_url))
        records = builder.build(entries)
        new_cursor = {"etag": response.headers.get("etag"), "modified": response.headers.get("last-modified")}
        yield Page(records, {key: value for key, value in new_cursor.items() if value}, builder.newest)

    def _wanted(self, entry: Any) -> bool:
        if self.keywords is None:
            return True
        return keyword_match(f"{entry.get('title', '')} {entry.get('summary', '')}", self.keywords)

    def close(self) -> None:
        self.client.close()


def entry_record(entry: Any, feed_url: str) -> dict[str, Any]:
    title = plain_text(entry.get("title", ""))
    summary = plain_text(entry.get("summary", ""))
    text = f"{title}\n\n{summary}".strip() if summary and summary != title else title
    link = unwrap_google_link(entry.get("link") or "")
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return {
        "id": entry.get("id") or link or None,
        "text": text,
        "created_at": datetime.fromtimestamp(calendar.timegm(moment), UTC).isoformat() if moment else None,
        "author": entry.get("author") or urlparse(link or feed_url).hostname,
        "url": link or None,
        "source": "rss",
    }


def unwrap_google_link(link: str) -> str:
    """Google Alerts feeds link through ``google.com/url?url=…``; keep the article's own address."""
    parsed = urlparse(link)
    if parsed.hostname and parsed.hostname.endswith("google.com") and parsed.path == "/url":
        target = parse_qs(parsed.query).get("url")
        if target:
            return target[0]
    return link


def rss_sources(brand: str, settings: RssSettings, keywords: list[str]) -> list[Source]:
    return [FeedSource(brand, url, keywords if settings.only_keywords else None) for url in settings.feeds]
