"""Stored mentions and the records that could not be accepted (the database tables)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
    source: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    author: Mapped[str | None] = mapped_column(String(200))
    author_followers: Mapped[int | None] = mapped_column(BigInteger)  # None: unknown
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    reply_to: Mapped[str | None] = mapped_column(String(200))
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuarantinedRecord(Base):
    """An input record that was rejected, kept with the reason so nothing is silently lost."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("origin", "line", "raw_digest", name="uq_quarantine_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(500))  # file path, or "api"
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    raw_digest: Mapped[str] = mapped_column(String(64))
    quarantined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
