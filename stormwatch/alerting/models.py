"""Alerts: the messages sent to people about a crisis, kept as an outbox.

An alert row is written in the same transaction as the crisis change that calls for it, and sent
afterwards; a crash in between leaves it pending, and it is sent on the next run. The unique key
(crisis, severity, channel) is the de-duplication: one crisis alerts each channel once per level.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("crisis_id", "severity", "channel_index", name="uq_alert_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    severity: Mapped[int] = mapped_column(Integer)
    channel_index: Mapped[int] = mapped_column(Integer)  # position in the brand's alert_urls
    channel_label: Mapped[str] = mapped_column(String(200))  # the URL's scheme and host, no secrets
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
