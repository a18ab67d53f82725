"""Reading Bluesky's whole public stream (Jetstream) and keeping only the posts that name a brand.

Pure logic, no I/O: :class:`JetstreamFilter` takes one websocket message (one JSON event, as
documented at github.com/bluesky-social/jetstream) and says whether it is a new post naming any
of the workspace's brands, an event to pass by, or a message that cannot be read. Events look like

    {"did": "did:plc:…", "time_us": 1725911162329308, "kind": "commit",
     "commit": {"rev": "…", "operation": "create", "collection": "app.bsky.feed.post",
                "rkey": "3l3qo2vutsw2b", "cid": "bafy…",
                "record": {"$type": "app.bsky.feed.post", "text": "…", "createdAt": "…", "langs": ["pl"]}}}

besides ``update``/``delete`` commits (no ``record`` on a delete), ``"kind": "identity"`` (a
handle change) and ``"kind": "account"`` (activation) events. Only ``create`` of a post becomes a
mention: an update of a stored post would be skipped by ingestion anyway (same id), and ingestion
has no deletions.

A kept post becomes one mention record per brand it names, with its ``at://`` URI as the id, so a
post replayed after a reconnect (or also found by the brand's Bluesky search) is stored once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.matcher import BrandHit, BrandMatcher, BrandTerms
from stormwatch.workspace.config import BrandConfig

POST = "app.bsky.feed.post"


@dataclass(slots=True)
class Verdict:
    """What one message is: a kept post (``hits``), an event passed by, or unreadable (``error``)."""

    time_us: int | None
    hits: list[BrandHit] = field(default_factory=list)
    event: dict[str, Any] | None = None
    error: str | None = None


def brand_terms(brands: list[BrandConfig]) -> list[BrandTerms]:
    """The terms of the workspace's brands: name, keywords (aliases), own handles, trigger terms."""
    return [
        BrandTerms(brand.name, tuple(brand.keywords), tuple(brand.own_handles), tuple(brand.trigger_terms))
        for brand in brands
    ]


def own_dids(brands: list[BrandConfig]) -> dict[str, list[str]]:
    """The brands each account posts for, by DID: the ``did:`` entries of their ``own_handles``."""
    owned: dict[str, list[str]] = {}
    for brand in brands:
        for handle in brand.own_handles:
            if handle.strip().casefold().startswith("did:"):
                owned.setdefault(handle.strip().casefold(), []).append(brand.name)
    return owned


class JetstreamFilter:
    """Decides, event by event, what of the firehose reaches ingestion."""

    def __init__(self, matcher: BrandMatcher, own: dict[str, list[str]] | None = None) -> None:
        self.matcher = matcher
        # A hijacked brand account's posts need not name the brand, and they are what the take-over
        # detector reads; Jetstream names an author by DID only, so a brand lists its DID.
        self.own = own or {}

    @classmethod
    def for_brands(cls, brands: list[BrandConfig]) -> JetstreamFilter:
        return cls(BrandMatcher(brand_terms(brands)), own_dids(brands))

    def decide(self, message: str | bytes) -> Verdict:
        try:
            # orjson: the JSON parse is most of the cost of an event, and orjson takes a tenth of the
            # standard library's time. It refuses nesting deeper than 1,024 levels and bad UTF-8 with a
            # JSONDecodeError (a ValueError) instead of crashing, as ingest/jsontext.py's reader does.
            event = orjson.loads(message)
        except ValueError as error:
            return Verdict(None, error=f"not JSON: {error}")
        if not isinstance(event, dict):
            return Verdict(None, error=f"not a JSON object but {type(event).__name__}")
        time_us = event.get("time_us")
        if type(time_us) is not int or time_us <= 0:
            return Verdict(None, error=f"time_us is not a positive integer: {time_us!r}")
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict):
            return Verdict(time_us)  # identity, account (or a kind added later): nothing to read
        if commit.get("operation") != "create" or commit.get("collection") != POST:
            return Verdict(time_us)
        record = commit.get("record")
        if not isinstance(record, dict):
            return Verdict(time_us, error="a created post without a record object")
        text = record.get("text")
        if not isinstance(text, str):
            return Verdict(time_us, error=f"a created post whose text is {type(text).__name__}")
        hits = self.matcher.match(text) if text else []  # an image-only post has empty text
        did = event.get("did")
        if text and isinstance(did, str) and did.casefold() in self.own:
            named = {hit.brand for hit in hits}
            hits += [BrandHit(brand, [did]) for brand in self.own[did.casefold()] if brand not in named]
        return Verdict(time_us, hits, event if hits else None)


def mention_records(event: dict[str, Any], hits: list[BrandHit]) -> list[dict[str, Any]]:
    """A kept post as one ingest record per brand it names (missing fields raise KeyError/TypeError)."""
    commit = event["commit"]
    record = commit["record"]
    did = event["did"]
    uri = f"at://{did}/{POST}/{commit['rkey']}"
    base = {
        "id": uri,
        "text": record["text"],
        "created_at": record["createdAt"],
        "author": did,  # Jetstream carries the DID only; the handle would cost a lookup per post
        "url": f"https://bsky.app/profile/{did}/post/{commit['rkey']}",
        "lang": (record.get("langs") or [None])[0],
        "reply_to": ((record.get("reply") or {}).get("parent") or {}).get("uri"),
        "source": "bluesky",
    }
    return [{**base, "brand": hit.brand} for hit in hits]


def event_records(verdict: Verdict, text: str, line: int, where: str) -> list[RawRecord]:
    """What ingestion gets for one event: a record per brand of a kept post, an unreadable record
    (quarantined with ``where`` it was in the stream) for a malformed event, nothing otherwise."""
    if verdict.error is not None:
        return [_unreadable(text, line, where, verdict.error)]
    if verdict.event is None:
        return []
    try:
        mentions = mention_records(verdict.event, verdict.hits)
    except (KeyError, TypeError, AttributeError) as error:
        return [_unreadable(text, line, where, f"missing or wrong field: {error}")]
    return [RawRecord(line, text, mention) for mention in mentions]


def _unreadable(text: str, line: int, where: str, why: str) -> RawRecord:
    return RawRecord(line, text, None, f"bluesky firehose: unreadable event ({where}): {why}")


def read_events(lines: Iterator[str] | list[str]) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of a recorded stream (JSON Lines, one event a line)."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line.rstrip("\n")
