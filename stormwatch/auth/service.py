"""Accounts, log-in, sessions, tokens and the audit log, over the store.

Log-in is throttled by counters in the database (:mod:`stormwatch.auth.throttle`), taken atomically
before each password check: they survive restarts, hold across server processes, and are kept per
account *and address*, so guessing from elsewhere cannot lock the owner out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.auth import throttle
from stormwatch.auth.models import LOCALES, ROLES, ApiToken, AuditEvent, Membership, User, WebSession
from stormwatch.auth.permissions import ROLE_ACTIONS, Action, validate_scopes
from stormwatch.i18n.refusal import Refusal, Term
from stormwatch.store.db import Store
from stormwatch.workspace.models import Workspace, utcnow

TOKEN_USE_RESOLUTION = timedelta(minutes=1)
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "swt_"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps the answer time the same either way.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")


class AuthError(Refusal, ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, in which workspace, allowed to do what."""

    workspace_id: int
    actor: str  # e-mail, token:<prefix>, or anonymous
    actions: frozenset[Action]
    user_id: int | None = None
    display_name: str = ""
    role: str | None = None
    token_id: int | None = None
    session_id: int | None = None
    csrf_token: str | None = None
    locale: str = "en"

    def can(self, action: Action) -> bool:
        return action in self.actions


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("a password needs at least %(count)s characters", count=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def audit(
    session: Session,
    kind: str,
    *,
    actor: str,
    workspace_id: int | None = None,
    subject: str | None = None,
    ip: str | None = None,
    **detail: object,
) -> None:
    session.add(
        AuditEvent(kind=kind, actor=actor, workspace_id=workspace_id, subject=subject, ip=ip, detail=detail)
    )


# --- users -------------------------------------------------------------------------------------


def find_workspace(session: Session, name: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.name == name))
    if workspace is None:
        known = list(session.scalars(select(Workspace.name).order_by(Workspace.name))) or Term("none yet")
        raise AuthError(
            "no workspace named '%(name)s' (known: %(known)s); a workspace is stored by "
            "`stormwatch init FILE` or by any command given `--config FILE` (ingest, process, serve, run)",
            name=name,
            known=known,
        )
    return workspace


def add_user(
    session: Session,
    email: str,
    password: str,
    *,
    workspace_id: int,
    role: str,
    display_name: str | None = None,
    locale: str = "en",
    actor: str = "cli",
) -> User:
    """Create the user (or, if the e-mail exists, give them ``role`` in one more workspace)."""
    email = email.strip().lower()
    if "@" not in email:
        raise AuthError("'%(email)s' is not an e-mail address", email=email)
    if role not in ROLES:
        raise AuthError("unknown role '%(role)s'; roles: %(roles)s", role=role, roles=list(ROLES))
    if locale not in LOCALES:
        raise AuthError(
            "unknown language '%(language)s'; languages: %(languages)s",
            language=locale,
            languages=list(LOCALES),
        )
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            display_name=display_name or email.split("@")[0],
            password_hash=hash_password(password),
            locale=locale,
        )
        session.add(user)
        session.flush()
        audit(session, "user.created", actor=actor, workspace_id=workspace_id, subject=email)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == workspace_id)
    )
    if membership is None:
        session.add(Membership(user_id=user.id, workspace_id=workspace_id, role=role))
    else:
        membership.role = role
    audit(session, "user.role_set", actor=actor, workspace_id=workspace_id, subject=email, role=role)
    session.flush()
    return user


def memberships(session: Session, user_id: int) -> list[tuple[Workspace, str]]:
    rows = session.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name)
    ).all()
    return [(workspace, role) for workspace, role in rows]


# --- log-in and sessions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """A log-in attempt's result; refusals are returned, not raised, so their audit row commits."""

    secret: str | None = None  # the session cookie's value when the log-in succeeded
    error: str | None = None
    throttled: bool = False


def login(store: Store, email: str, password: str, ip: str | None) -> LoginOutcome:
    """Check the password and open a session; every outcome is audited.

    Three transactions: take an attempt under the throttle's limits (committed before the slow
    password check, so simultaneous guesses see each other), read the account, then record the
    outcome. See :mod:`stormwatch.auth.throttle` for why the owner cannot be locked out.
    """
    email = email.strip().lower()
    now = utcnow()
    with store.session() as session:
        throttle.forget_expired(session, now)
    with store.session() as session:
        limits = throttle.limits_for(email, ip, throttle.known_address(session, email, ip))
        if not throttle.take_attempt(session, limits, now):
            audit(session, "login.throttled", actor="anonymous", subject=email, ip=ip)
            return LoginOutcome(
                error="too many failed log-ins; wait a few minutes and try again", throttled=True
            )
        user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.active or not _verify(user.password_hash if user else _DUMMY_HASH, password):
        with store.session() as session:
            audit(session, "login.failed", actor="anonymous", subject=email, ip=ip)
        return LoginOutcome(error="wrong e-mail or password")
    with store.session() as session:
        return _open_session(session, user.id, email, password, ip, limits)


def _open_session(
    session: Session, user_id: int, email: str, password: str, ip: str | None, limits: list[throttle.Limit]
) -> LoginOutcome:
    member_of = memberships(session, user_id)
    if not member_of:
        audit(session, "login.failed", actor="anonymous", subject=email, ip=ip, why="no workspace")
        return LoginOutcome(error="this account belongs to no workspace")
    throttle.forgive(session, limits)
    user = session.get(User, user_id)
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    secret = secrets.token_urlsafe(32)
    web_session = WebSession(
        digest=digest(secret),
        user_id=user_id,
        workspace_id=member_of[0][0].id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(web_session)
    audit(session, "login.succeeded", actor=email, workspace_id=web_session.workspace_id, ip=ip)
    return LoginOutcome(secret=secret)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_principal(session: Session, secret: str) -> Principal | None:
    """The principal behind a session cookie, or None when it is unknown, expired or revoked."""
    row = session.execute(
        select(WebSession, User, Membership.role)
        .join(User, User.id == WebSession.user_id)
        .join(
            Membership,
            (Membership.user_id == WebSession.user_id) & (Membership.workspace_id == WebSession.workspace_id),
        )
        .where(WebSession.digest == digest(secret))
    ).first()
    if row is None:
        return None
    web_session, user, role = row
    if web_session.revoked_at is not None or web_session.expires_at <= utcnow() or not user.active:
        return None
    return Principal(
        workspace_id=web_session.workspace_id,
        actor=user.email,
        actions=ROLE_ACTIONS[role],  # type: ignore[index]
        user_id=user.id,
        display_name=user.display_name,
        role=role,
        session_id=web_session.id,
        csrf_token=web_session.csrf_token,
        locale=user.locale,
    )


def switch_workspace(session: Session, principal: Principal, workspace_id: int, ip: str | None) -> None:
    """Move a browser session to another workspace the user is a member of."""
    if principal.session_id is None or principal.user_id is None:
        raise AuthError("only a browser session can switch workspace")
    allowed = {workspace.id for workspace, _ in memberships(session, principal.user_id)}
    if workspace_id not in allowed:
        audit(session, "access.denied", actor=principal.actor, workspace_id=workspace_id, ip=ip)
        raise AuthError("not a member of that workspace")
    web_session = session.get(WebSession, principal.session_id)
    assert web_session is not None
    web_session.workspace_id = workspace_id
    audit(session, "workspace.switched", actor=principal.actor, workspace_id=workspace_id, ip=ip)


def set_locale(session: Session, user_id: int, locale: str) -> None:
    if locale not in LOCALES:
        raise AuthError("unknown language '%(language)s'", language=locale)
    user = session.get(User, user_id)
    assert user is not None
    user.locale = locale


def logout(session: Session, principal: Principal, ip: str | None) -> None:
    if principal.session_id is not None:
        web_session = session.get(WebSession, principal.session_id)
        if web_session is not None:
            web_session.revoked_at = utcnow()
    audit(session, "logout", actor=principal.actor, workspace_id=principal.workspace_id, ip=ip)


# --- API tokens --------------------------------------------------------------------------------


def create_token(
    session: Session, workspace_id: int, name: str, scopes: list[str], *, actor: str
) -> tuple[str, ApiToken]:
    """A new token; the secret is returned once and only its digest is kept."""
    canonical = validate_scopes(scopes)
    if not canonical:
        raise AuthError("a token needs at least one scope")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=workspace_id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=digest(secret),
        scopes=list(canonical),
        created_by=actor,
    )
    session.add(token)
    session.flush()
    audit(
        session,
        "token.created",
        actor=actor,
        workspace_id=workspace_id,
        subject=token.prefix,
        scopes=canonical,
    )
    return secret, token


def revoke_token(session: Session, workspace_id: int, token_id: int, *, actor: str) -> bool:
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.workspace_id == workspace_id)
    )
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit(session, "token.revoked", actor=actor, workspace_id=workspace_id, subject=token.prefix)
    return True


def token_principal(session: Session, secret: str) -> Principal | None:
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    # Recorded to the minute: a write on every request would queue each push behind the others.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return Principal(
        workspace_id=token.workspace_id,
        actor=f"token:{token.prefix}",
        actions=frozenset(validate_scopes(list(token.scopes))),
        token_id=token.id,
    )


def audit_log(session: Session, workspace_id: int, limit: int = 100) -> list[AuditEvent]:
    """The workspace's security events, newest first (failed log-ins name no workspace: see the CLI)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.workspace_id == workspace_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


# --- account administration (the `stormwatch user` commands) -----------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    email: str
    display_name: str
    role: str
    language: str
    active: bool


def list_members(session: Session, workspace_id: int) -> list[Member]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(User.email)
    ).all()
    return [Member(user.email, user.display_name, role, user.locale, user.active) for user, role in rows]


def _member(session: Session, workspace_id: int, email: str) -> tuple[User, Membership]:
    email = email.strip().lower()
    row = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email, Membership.workspace_id == workspace_id)
    ).first()
    if row is None:
        raise AuthError("%(email)s is not a member of this workspace", email=email)
    return row[0], row[1]


def _end_sessions(session: Session, user_id: int, workspace_id: int | None = None) -> None:
    query = select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if workspace_id is not None:
        query = query.where(WebSession.workspace_id == workspace_id)
    for web_session in session.scalars(query):
        web_session.revoked_at = utcnow()


def remove_member(session: Session, workspace_id: int, email: str, *, actor: str) -> None:
    """Take the person out of the workspace and end their sessions there; their other workspaces stay."""
    user, membership = _member(session, workspace_id, email)
    session.delete(membership)
    _end_sessions(session, user.id, workspace_id)
    audit(session, "user.removed", actor=actor, workspace_id=workspace_id, subject=user.email)
    session.flush()


def reset_password(session: Session, workspace_id: int, email: str, password: str, *, actor: str) -> None:
    """A new password; every open session of the account ends (a reset is often for a leaked one)."""
    user, _ = _member(session, workspace_id, email)
    user.password_hash = hash_password(password)
    _end_sessions(session, user.id)
    audit(session, "user.password_reset", actor=actor, workspace_id=workspace_id, subject=user.email)
    session.flush()
