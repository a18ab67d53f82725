"""The stored result of analysing one mention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow


class Enrichment(Base):
    """One row per analysed mention; a mention without one is still waiting for the pipeline."""

    __tablename__ = "enrichments"

    mention_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("mentions.id"), primary_key=True
    )
    lang: Mapped[str | None] = mapped_column(String(8))
    sentiment: Mapped[str] = mapped_column(String(10))
    sentiment_score: Mapped[float] = mapped_column(Float)
    cause: Mapped[str | None] = mapped_column(String(40))
    duplicate_group: Mapped[str | None] = mapped_column(String(200))
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
