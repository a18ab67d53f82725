"""Workspaces (an agency or an in-house team) and the brands they watch."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stormwatch.store import limits
from stormwatch.store.db import Base, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.NAME_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Pushed mentions may create brands until the workspace has this many (`max_brands` in the file).
    max_brands: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    # A drill's sandbox (stormwatch.drill): its pages carry the banner, its messages "[DRILL]".
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    brands: Mapped[list[Brand]] = relationship(back_populates="workspace", order_by="Brand.id")


class Brand(Base):
    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(limits.NAME_LENGTH))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    own_handles: Mapped[list[str]] = mapped_column(JSON, default=list)
    trigger_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    alert_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_sla_minutes: Mapped[int] = mapped_column(Integer, default=60)

    workspace: Mapped[Workspace] = relationship(back_populates="brands")


class Person(Base):
    """A member of the response team, kept in line with the workspace file's ``[[people]]``."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    notify_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    brands: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    reply_signature: Mapped[str | None] = mapped_column(String(50))
    # A person removed from the file stays for the history (timelines name them) but is not paged.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
