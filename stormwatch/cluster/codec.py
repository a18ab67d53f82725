"""The messages on the streams, as JSON: pure functions, no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stormwatch.analysis.models import TextJudgement
from stormwatch.ingest.mention import MentionIn

MENTION_FIELDS = (
    "source",
    "external_id",
    "text",
    "author",
    "author_followers",
    "url",
    "lang",
    "likes",
    "shares",
    "comments",
    "reply_to",
)


@dataclass(frozen=True, slots=True)
class StoredMention:
    """A mention as the relay published it: stored in PostgreSQL under ``mention_id``."""

    workspace_id: int
    mention_id: int
    mention: MentionIn


@dataclass(frozen=True, slots=True)
class Analysed:
    """An analysis worker's result for the stored-stream message ``stored_seq``."""

    stored_seq: int
    mention_id: int
    judgement: TextJudgement


def encode_stored(item: StoredMention) -> bytes:
    mention = item.mention
    fields: dict[str, Any] = {name: getattr(mention, name) for name in MENTION_FIELDS}
    fields["created_at"] = mention.created_at.isoformat()
    fields["brand"] = mention.brand
    return json.dumps({"w": item.workspace_id, "id": item.mention_id, "m": fields}).encode()


def decode_stored(data: bytes) -> StoredMention:
    record = json.loads(data)
    fields = dict(record["m"])
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return StoredMention(int(record["w"]), int(record["id"]), MentionIn(**fields))


def encode_analysed(item: Analysed) -> bytes:
    j = item.judgement
    return json.dumps(
        {"s": item.stored_seq, "id": item.mention_id, "j": [j.lang, j.sentiment, j.sentiment_score, j.cause]}
    ).encode()


def decode_analysed(data: bytes) -> Analysed:
    record = json.loads(data)
    lang, sentiment, score, cause = record["j"]
    return Analysed(int(record["s"]), int(record["id"]), TextJudgement(lang, sentiment, float(score), cause))
