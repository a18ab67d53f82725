"""Turning one raw record (a dict from JSON Lines, CSV, the API or a connector) into a :class:`MentionIn`.

This is the one validation every entry point goes through (``POST /api/mentions``, the webhooks,
``ingest``, ``sources import``, the connectors, ``detect``): a record that passes it fits the
store's columns on every database (:mod:`stormwatch.store.limits`) and is dated inside the
workspace's :class:`~stormwatch.ingest.window.TimeWindow`; one that does not is rejected with the
field to blame. Pure functions: no I/O, so every rule can be tested directly.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stormwatch.i18n.refusal import Phrase
from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.store import limits

DEFAULT_SOURCE = "import"
MAX_TEXT_LENGTH = limits.TEXT_LENGTH

# PostgreSQL cannot store NUL in text, and a lone surrogate (JSON's "\ud800") is no Unicode text
# at all: neither can be written as UTF-8, so both are refused rather than crashing the store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SHOWN = 60  # characters of a rejected value quoted in an error message


class RecordError(ValueError):
    """A record that cannot become a mention; ``field`` names the culprit. ``message`` is a phrase
    of the catalogue (said in the reader's language); ``.message`` is its English, as stored."""

    def __init__(self, field: str | None, message: str | Phrase) -> None:
        self.phrase = message if isinstance(message, Phrase) else Phrase("%(reason)s", {"reason": message})
        self.field = field
        self.message = str(self.phrase)
        super().__init__(f"{field}: {self.message}" if field else self.message)


def parse_mention(
    raw: Mapping[str, Any], *, brand: str | None = None, window: TimeWindow = DEFAULT_WINDOW
) -> MentionIn:
    """Validate ``raw``; ``brand`` (e.g. from ``--brand``) overrides the record's own."""
    if not isinstance(raw, Mapping):
        raise RecordError(None, Phrase("expected an object, got %(kind)s", {"kind": type(raw).__name__}))
    text = _required_text(raw)
    created_at = parse_timestamp(raw.get("created_at"), "created_at")
    if (outside := window.problem(created_at)) is not None:
        raise RecordError("created_at", outside)
    source = _optional_str(raw, "source", limits.SOURCE_LENGTH) or DEFAULT_SOURCE
    author = _optional_str(raw, "author", limits.AUTHOR_LENGTH + 1)  # +1: a leading '@' goes
    url = _optional_str(raw, "url", limits.URL_LENGTH)
    external_id = _optional_str(raw, "id", limits.ID_LENGTH) or _derived_id(
        source, url, author, created_at, text
    )
    author = author.lstrip("@") if author else None
    if author is not None and len(author) > limits.AUTHOR_LENGTH:
        raise RecordError("author", _too_long(limits.AUTHOR_LENGTH))
    return MentionIn(
        source=source.lower(),
        external_id=external_id,
        text=text,
        created_at=created_at,
        brand=_brand(brand) or _optional_str(raw, "brand", limits.NAME_LENGTH),
        author=author or None,
        author_followers=_optional_count(raw, "author_followers", limits.BIG_INTEGER_MAX),
        url=url,
        lang=_optional_str(raw, "lang", limits.LANG_LENGTH),
        likes=_count(raw, "likes", limits.INTEGER_MAX),
        shares=_count(raw, "shares", limits.INTEGER_MAX, aliases=("retweets",)),
        comments=_count(raw, "comments", limits.INTEGER_MAX),
        reply_to=_optional_str(raw, "reply_to", limits.ID_LENGTH),
    )


def parse_timestamp(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:
            raise RecordError(
                field, Phrase("not an ISO 8601 time: %(value)s", {"value": _shown(value)})
            ) from error
    elif value is None or value == "":
        raise RecordError(field, Phrase("missing ISO 8601 time"))
    else:
        raise RecordError(
            field, Phrase("expected an ISO 8601 time, got %(kind)s", {"kind": type(value).__name__})
        )
    # A time without zone is taken as UTC, as every export format we know writes UTC.
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise RecordError(field, Phrase("out of range: %(value)s", {"value": _shown(value)})) from error


def check_text(value: str, field: str, max_length: int) -> str:
    """``value`` if the store can keep it as the ``field`` column, else a :class:`RecordError`."""
    if len(value) > max_length:
        raise RecordError(field, _too_long(max_length))
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        why = Phrase(
            "contains a NUL character at position %(position)s"
            if bad.group() == "\x00"
            else "contains a lone surrogate (not valid Unicode) at position %(position)s",
            {"position": bad.start()},
        )
        raise RecordError(field, why)
    return value


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
        raise RecordError("text", Phrase("missing or empty"))
    return check_text(text, "text", limits.TEXT_LENGTH)


def _brand(name: str | None) -> str | None:
    if not name:
        return None
    return check_text(name, "brand", limits.NAME_LENGTH)


def _optional_str(raw: Mapping[str, Any], field: str, max_length: int) -> str | None:
    value = raw.get(field)
    if type(value) is str:  # the common case first: a replay parses every field of every line
        value = value.strip()
    elif value is None or value == "":
        return None
    elif type(value) is int or (type(value) is float and math.isfinite(value)):
        try:
            value = str(value)  # numeric ids from CSV exports or JSON
        except ValueError as error:  # more than 4,300 digits: far too long anyway
            raise RecordError(field, _too_long(max_length)) from error
    else:
        raise RecordError(field, Phrase("expected text, got %(kind)s", {"kind": type(value).__name__}))
    return check_text(value, field, max_length) if value else None


def _count(raw: Mapping[str, Any], field: str, maximum: int, aliases: tuple[str, ...] = ()) -> int:
    """A count that is 0 when absent (no likes recorded is no likes)."""
    number = _optional_count(raw, field, maximum, aliases)
    return 0 if number is None else number


def _optional_count(
    raw: Mapping[str, Any], field: str, maximum: int, aliases: tuple[str, ...] = ()
) -> int | None:
    """A count that is None when absent: an export without follower counts says nothing of reach."""
    for name in (field, *aliases):
        value = raw.get(name)
        if type(value) is int and 0 <= value <= maximum:  # the common case (bool is not exactly int)
            return value
        if value is None or value == "":
            continue
        number = _whole_number(value, name)
        if not 0 <= number <= maximum:
            raise RecordError(
                name,
                Phrase(
                    "expected a whole number from 0 to %(maximum)s, got %(value)s",
                    {"maximum": maximum, "value": _shown(value)},
                ),
            )
        return number
    return None


def _whole_number(value: Any, field: str) -> int:
    """An int, a float without fraction (2.0) or a text of digits (CSV); 1.7 is refused, not rounded."""
    if type(value) is int:
        return value
    if type(value) is float and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 30:  # longer is out of range anyway
            return int(digits)
    raise RecordError(field, Phrase("expected a whole number, got %(value)s", {"value": _shown(value)}))


def _too_long(max_length: int) -> Phrase:
    return Phrase("longer than %(max)s characters", {"max": max_length})


def _shown(value: Any) -> str:
    """``value`` for an error message: its repr (escapes NUL and surrogates), cut short."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4,300 digits (the interpreter's limit) has no repr
        return f"a {type(value).__name__} too long to show"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _derived_id(source: str, url: str | None, author: str | None, created_at: datetime, text: str) -> str:
    """A stable id for exports that carry none, so that re-importing them adds nothing."""
    if url and len(url) <= limits.ID_LENGTH:
        return url
    key = "\x1f".join((source, url or author or "", created_at.isoformat(), text))
    return "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()
