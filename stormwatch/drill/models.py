"""The drill's table: one row per drill run, in the drill workspace it made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime


class DrillRun(Base):
    __tablename__ = "drill_runs"
    __table_args__ = (Index("ix_drill_runs_source", "source_workspace_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))  # the drill workspace
    source_workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))  # the real one
    scenario: Mapped[str] = mapped_column(String(60))
    scenario_text: Mapped[str] = mapped_column(Text)  # frozen: later edits do not change a run
    brand: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | paused | stopped
    clock: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[datetime] = mapped_column(UTCDateTime)  # event time of scenario position 0
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(200))
    # Manual injects, observer ratings, injected post ids: small, append-only lists.
    journal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
