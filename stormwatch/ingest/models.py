"""Stored mentions, the records that could not be accepted and the mentions set aside (the tables)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, ColumnElement, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.ingest.window import MAX_AHEAD, SAFE_EARLIEST, SAFE_LATEST
from stormwatch.store import limits
from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow


class Mention(Base):
    __tablename__ = "mentions"
    # Idempotency key: the same post seen again for the same brand is the same mention.
    __table_args__ = (
        UniqueConstraint("brand_id", "source", "external_id", name="uq_mention_identity"),
        Index("ix_mentions_brand_created", "brand_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    source: Mapped[str] = mapped_column(String(limits.SOURCE_LENGTH))
    external_id: Mapped[str] = mapped_column(String(limits.ID_LENGTH))
    url: Mapped[str | None] = mapped_column(String(limits.URL_LENGTH))
    author: Mapped[str | None] = mapped_column(String(limits.AUTHOR_LENGTH))
    author_followers: Mapped[int | None] = mapped_column(BigInteger)  # None: unknown
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(limits.LANG_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    reply_to: Mapped[str | None] = mapped_column(String(limits.ID_LENGTH))
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def plausibly_dated() -> ColumnElement[bool]:
    """Mentions whose time may stand for "now" (the newest one, for warm-up and the figures): not
    in the future and safe for date arithmetic, so that one absurd date stored before ingest
    validation refused it can neither overflow nor move every window to year 9999."""
    latest = min(SAFE_LATEST, datetime.now(UTC) + MAX_AHEAD)
    return Mention.created_at.between(SAFE_EARLIEST, latest)


class QuarantinedRecord(Base):
    """An input record that was rejected, kept with the reason so nothing is silently lost."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("origin", "line", "raw_digest", name="uq_quarantine_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(limits.ORIGIN_LENGTH))  # file path, or "api"
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(limits.FIELD_LENGTH))
    error: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    raw_digest: Mapped[str] = mapped_column(String(64))
    quarantined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SetAsideMention(Base):
    """A stored mention that analysis or detection failed on, kept out of the pipeline with the reason.

    Without it one such mention would stay pending forever and stop every batch behind it (and every
    restart). It stays stored and visible (``stormwatch status``, ``GET /api/failed-mentions``);
    deleting its row puts it back in the backlog once the cause is fixed."""

    __tablename__ = "set_aside_mentions"

    mention_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("mentions.id"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # analysis | detection | store
    reason: Mapped[str] = mapped_column(Text)
    set_aside_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
