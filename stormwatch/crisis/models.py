"""Crises and their timelines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stormwatch.store.db import Base, UTCDateTime


class Crisis(Base):
    __tablename__ = "crises"
    # Keys name brand and minute, so they are unique per workspace only: another tenant may watch a
    # brand of the same name, and a key must never hint at (or collide with) that tenant's crisis.
    __table_args__ = (UniqueConstraint("workspace_id", "key", name="uq_crisis_key_per_workspace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    severity: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="detected")
    reason: Mapped[str] = mapped_column(Text)
    last_signal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    timeline: Mapped[list[CrisisEvent]] = relationship(order_by="CrisisEvent.id")


class CrisisEvent(Base):
    """One entry of a crisis's append-only timeline: who did or saw what, and when."""

    __tablename__ = "crisis_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
