"""Users, their roles per workspace, log-in sessions, API tokens and the security audit log.

Secrets (session ids, API tokens) are stored only as SHA-256 digests and passwords only as argon2
hashes, so a copy of the database gives nobody a way in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow

Role = Literal["admin", "manager", "analyst", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)
Locale = Literal["en", "pl"]
LOCALES: tuple[Locale, ...] = get_args(Locale)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A user's role in one workspace; an agency admin is an admin of each of the agency's workspaces."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "workspace_id", name="uq_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    role: Mapped[str] = mapped_column(String(20))


class WebSession(Base):
    """A browser log-in; the cookie holds the secret, the table its digest."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A token for other tools, bound to one workspace and limited to its scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so people can tell tokens apart
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One security event: log-ins (good and bad), log-outs, tokens, users, refused requests."""

    __tablename__ = "audit_events"
    # actor + kind: "has this e-mail logged in from this address before?" (see auth/throttle.py)
    __table_args__ = (Index("ix_audit_kind_at", "kind", "at"), Index("ix_audit_actor_kind", "actor", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    actor: Mapped[str] = mapped_column(String(320))  # e-mail, "token:<prefix>", or "anonymous"
    subject: Mapped[str | None] = mapped_column(String(320))  # e.g. the e-mail tried at a log-in
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class LoginThrottle(Base):
    """Log-in attempts counted under one limit (an account at an address, an address, an account)
    in the window that started at ``window_started_at``; see :mod:`stormwatch.auth.throttle`."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer)
