"""Signals: what a detector saw in a brand's stream, with the evidence a person can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.analysis.models import Cause
from stormwatch.store.db import Base, UTCDateTime


@dataclass(frozen=True, slots=True)
class Signal:
    brand: str
    kind: str  # e.g. "negative_surge", "trigger_terms"
    at: datetime  # event time at which the detector fired
    observed: float  # what was counted in the window
    expected: float  # what the baseline predicted for the same window
    window: timedelta
    cause: Cause | None
    reach: int  # followers of the authors behind the observed posts
    example_ids: tuple[str, ...]
    summary: str  # one sentence for a person
    terms: tuple[str, ...] = field(default=())

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")


class SignalRecord(Base):
    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    crisis_id: Mapped[int | None] = mapped_column(ForeignKey("crises.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    window_minutes: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str | None] = mapped_column(String(40))
    reach: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
