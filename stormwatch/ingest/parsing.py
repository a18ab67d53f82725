"""Turning one raw record (a dict from JSON Lines, CSV or the API) into a :class:`MentionIn`.

Pure functions: no I/O, so every rule about what a valid mention is can be tested directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stormwatch.ingest.mention import MentionIn

DEFAULT_SOURCE = "import"
MAX_TEXT_LENGTH = 100_000


class RecordError(ValueError):
    """A record that cannot become a mention; ``field`` names the culprit."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def parse_mention(raw: Mapping[str, Any], *, brand: str | None = None) -> MentionIn:
    """Validate ``raw``; ``brand`` (e.g. from ``--brand``) overrides the record's own."""
    if not isinstance(raw, Mapping):
        raise RecordError(None, f"expected an object, got {type(raw).__name__}")
    text = _required_text(raw)
    created_at = parse_timestamp(raw.get("created_at"), "created_at")
    source = _optional_str(raw, "source") or DEFAULT_SOURCE
    author = _optional_str(raw, "author")
    url = _optional_str(raw, "url")
    external_id = _optional_str(raw, "id") or _derived_id(source, url, author, created_at, text)
    return MentionIn(
        source=source.lower(),
        external_id=external_id,
        text=text,
        created_at=created_at,
        brand=brand or _optional_str(raw, "brand"),
        author=author.lstrip("@") if author else None,
        author_followers=_count(raw, "author_followers"),
        url=url,
        lang=(_optional_str(raw, "lang") or None),
        likes=_count(raw, "likes"),
        shares=_count(raw, "shares", aliases=("retweets",)),
        comments=_count(raw, "comments"),
        reply_to=_optional_str(raw, "reply_to"),
    )


def parse_timestamp(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:
            raise RecordError(field, f"not an ISO 8601 time: {value!r}") from error
    else:
        raise RecordError(field, "missing ISO 8601 time")
    # A time without zone is taken as UTC, as every export format we know writes UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def names_zone(fields: Mapping[str, Any] | None, field: str) -> bool:
    """Whether the record's time says its zone (a time without one is read as UTC: worth a warning)."""
    value = (fields or {}).get(field)
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if not isinstance(value, str):
        return True  # missing or not a time: reported as such, not as a zone problem
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return True


def _required_text(raw: Mapping[str, Any]) -> str:
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RecordError("text", "missing or empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise RecordError("text", f"longer than {MAX_TEXT_LENGTH} characters")
    return text


def _optional_str(raw: Mapping[str, Any], field: str) -> str | None:
    value = raw.get(field)
    if type(value) is str:  # the common case first: a replay parses every field of every line
        return value.strip() if value else None
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # numeric ids from CSV exports or JSON
    if not isinstance(value, str):
        raise RecordError(field, f"expected text, got {type(value).__name__}")
    return value.strip()


def _count(raw: Mapping[str, Any], field: str, aliases: tuple[str, ...] = ()) -> int:
    for name in (field, *aliases):
        value = raw.get(name)
        if type(value) is int and value >= 0:  # the common case (bool is not exactly int)
            return value
        if value is None or value == "":
            continue
        try:
            number = int(value)
        except (TypeError, ValueError) as error:
            raise RecordError(name, f"expected a whole number, got {value!r}") from error
        if number < 0 or isinstance(value, bool):
            raise RecordError(name, f"expected a non-negative whole number, got {value!r}")
        return number
    return 0


def _derived_id(source: str, url: str | None, author: str | None, created_at: datetime, text: str) -> str:
    """A stable id for exports that carry none, so that re-importing them adds nothing."""
    if url:
        return url
    key = "\x1f".join((source, author or "", created_at.isoformat(), text))
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()
