"""A mention as it arrives: the value every stage passes on, free of any database import.

The stored form is :class:`stormwatch.ingest.models.Mention`; keeping this one apart lets the
replay (``stormwatch detect``, ``analyze``) start without loading SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MentionIn:
    """A validated incoming mention, before it is stored or analysed."""

    source: str
    external_id: str
    text: str
    created_at: datetime
    brand: str | None = None
    author: str | None = None
    author_followers: int | None = None  # None: unknown (the export had no count), never read as 0
    url: str | None = None
    lang: str | None = None
    likes: int = 0
    shares: int = 0
    comments: int = 0
    reply_to: str | None = None
