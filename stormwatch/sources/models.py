"""Per-source checkpoint and health, kept in the store so a restart resumes where it left off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow


class SourceState(Base):
    """Where one source stands: its cursor (opaque to everyone but the source) and its health."""

    __tablename__ = "source_states"
    __table_args__ = (UniqueConstraint("workspace_id", "key", name="uq_source_state_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(300))
    network: Mapped[str] = mapped_column(String(50))
    brand: Mapped[str] = mapped_column(String(200))
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    newest_item_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_stored: Mapped[int] = mapped_column(BigInteger, default=0)
    items_quarantined: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
