"""Hourly counts per brand, source, language and sentiment.

The dashboard's charts and shares are sums over these rows instead of over the raw mentions: a
month of a brand with 2,000 mentions a day is ~60,000 mentions but a few thousand count rows.
The live pipeline adds to them in the same transaction that stores the enrichments, so they are
exactly as current as the analysis.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime


class HourlyCount(Base):
    __tablename__ = "hourly_counts"

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    source: Mapped[str] = mapped_column(String(50), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)  # "" when unknown
    sentiment: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
