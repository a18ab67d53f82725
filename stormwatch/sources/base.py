"""What every connector is: a source of pages of raw mention records, each with its checkpoint.

A source turns the network's items into the ingest record format (``id``, ``text``,
``created_at``, ``author``, ``url``, counts…); the core's :class:`MentionIngestor` validates and
stores them exactly once. An item that cannot even be read becomes an unreadable record, which
the ingestor quarantines with its reason; the other items of the page are stored as usual.
"""

from __future__ import annotations

import html
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stormwatch.ingest.parsing import RecordError, parse_timestamp
from stormwatch.ingest.readers import RawRecord

log = logging.getLogger(__name__)

Cursor = dict[str, Any]

# The brand of a source that serves every brand of the workspace (the firehose): its records name
# their own brand, one record per brand a post names.
ALL_BRANDS = "*"


@dataclass
class Page:
    """Records fetched together and the cursor to save once they are stored."""

    records: list[RawRecord]
    cursor: Cursor
    newest: datetime | None = None


class Source(ABC):
    """One brand's feed from one network (e.g. the hashtag search of a Mastodon instance)."""

    network: str = "source"
    live: bool = False  # True when :meth:`listen` is implemented
    pollable: bool = True  # False for a stream that has no request/answer side

    def __init__(self, brand: str, name: str) -> None:
        self.brand = brand
        self.name = name

    @property
    def key(self) -> str:
        """Stable identity of the source in the store: its checkpoint and health are kept under it."""
        return f"{self.network}/{self.brand}/{self.name}"

    @abstractmethod
    def poll(self, cursor: Cursor) -> Iterator[Page]:
        """Fetch what is new since ``cursor``, one page at a time, oldest checkpoint first."""

    def listen(self, cursor: Cursor) -> Iterator[Page]:
        """Follow the live stream from ``cursor``; returns or raises when the stream drops."""
        raise NotImplementedError(f"{self.network} has no live stream")

    def close(self) -> None:  # noqa: B027  (most sources hold nothing to release)
        """Release connections (and end a blocking :meth:`listen`)."""


@dataclass
class RecordBuilder:
    """Turns network items into raw records, numbering them and catching items that cannot be read."""

    network: str
    convert: Callable[[Any], dict[str, Any]]
    counter: int = 0
    newest: datetime | None = field(default=None)

    def build(self, items: list[Any]) -> list[RawRecord]:
        records = []
        for item in items:
            self.counter += 1
            records.append(self.record(item))
        return records

    def record(self, item: Any) -> RawRecord:
        raw_text = json.dumps(item, ensure_ascii=False, default=str, sort_keys=True)
        try:
            fields = self.convert(item)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            reason = f"unreadable {self.network} item: {_describe(error)}"
            log.warning("%s", reason)
            return RawRecord(self.counter, raw_text, None, reason)
        fields.setdefault("source", self.network)
        self._track(fields.get("created_at"))
        return RawRecord(self.counter, raw_text, fields)

    def _track(self, value: Any) -> None:
        try:
            moment = parse_timestamp(value, "created_at")
        except RecordError:
            return
        if self.newest is None or moment > self.newest:
            self.newest = moment


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    return f"{type(error).__name__}: {error}"


_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def plain_text(markup: str) -> str:
    """Text of an HTML fragment (feed summaries, Mastodon statuses), whitespace collapsed."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", markup))).strip()


def keyword_match(text: str, keywords: list[str]) -> bool:
    """Whether ``text`` names any keyword (case-insensitive, '@' and '#' optional)."""
    lowered = text.lower()
    return any(keyword.lower().lstrip("@#") in lowered for keyword in keywords if keyword.strip("@# "))


def walk_newest_first(
    fetch: Callable[[str | None], tuple[list[Any], str | None]],
    builder: RecordBuilder,
    cursor: Cursor,
    position_of: Callable[[Any], str | None],
    keep: Callable[[Any], bool] | None = None,
) -> Iterator[Page]:
    """Walk an API that pages from the newest item back, stopping at what an earlier walk reached.

    The cursor keeps the high-water mark (newest position, a time or an id, of the last finished walk) and, during a
    walk, the next page token and the newest time seen so far: a walk cut short by a 429 or a
    kill resumes at the page it had reached, and the mark moves only once the walk is complete.
    """
    high_water: str | None = cursor.get("high_water")
    walk = cursor.get("walk") or {}
    token: str | None = walk.get("page")
    top: str | None = walk.get("top")
    while True:
        items, next_token = fetch(token)
        times = [moment for moment in (_safe_position(position_of, item) for item in items) if moment]
        if times:
            newest = max(times)
            top = newest if top is None or newest > top else top
        reached_old = high_water is not None and any(moment <= high_water for moment in times)
        records = builder.build([item for item in items if keep is None or keep(item)])
        if next_token is None or reached_old:
            yield Page(records, {"high_water": top or high_water}, builder.newest)
            return
        yield Page(
            records, {"high_water": high_water, "walk": {"page": next_token, "top": top}}, builder.newest
        )
        token = next_token


def _safe_position(position_of: Callable[[Any], str | None], item: Any) -> str | None:
    try:
        return position_of(item)
    except (KeyError, TypeError, ValueError, AttributeError, RecordError):
        return None


def time_position(value: Any) -> str | None:
    """An item's time as a UTC ISO string, comparable as text (a position for :func:`walk_newest_first`)."""
    return parse_timestamp(value, "created_at").isoformat() if value else None


def id_position(value: Any) -> str | None:
    """A numeric id (snowflake) as text that sorts like the number."""
    return str(value).zfill(24) if value is not None and str(value).isdigit() else None
