"""Log-in throttling that an attacker cannot use to lock the owner out.

Each log-in attempt must first take one attempt under every limit that applies to it; an attempt
that cannot is refused before its password is checked. The attempt is given back when the
password was right, so the counts are of failed (or still running) attempts. The limits:

* **an account at an address**: 5 failed attempts in 15 minutes. An attacker guessing from his own
  address exhausts only his own count, never the owner's at the owner's address.
* **an address**, across accounts: 20 in 15 minutes, against one address trying many accounts;
* **an account**, across addresses: 50 in 15 minutes, against a guesser spread over many addresses.

The last two do not apply where the account has logged in successfully before (the audit log
says so): the owner at the office or at home gets in with the right password however hard the
account or the office's shared address is attacked from elsewhere. An attacker can deny log-in
only to a user who is both at an address the account never used *and* under a spread-out attack
on the account, or who shares the attacker's own address.

Why counters and not the audit log: counting audit rows and then checking the password lets thirty
simultaneous guesses all see "fewer than five" and all be checked. Taking an attempt is one
conditional write per limit (``INSERT … ON CONFLICT DO UPDATE … WHERE attempts < most``), which
the database performs atomically, so it holds under concurrency on SQLite and PostgreSQL and
across server processes, and it is committed before the (slow) password check starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from stormwatch.auth.models import AuditEvent, LoginThrottle
from stormwatch.store.db import upsert

WINDOW = timedelta(minutes=15)
MAX_FAILED_PER_ACCOUNT_AND_ADDRESS = 5
MAX_FAILED_PER_ADDRESS = 20
MAX_FAILED_PER_ACCOUNT = 50


@dataclass(frozen=True, slots=True)
class Limit:
    key: str
    most: int


def limits_for(email: str, ip: str | None, known_address: bool) -> list[Limit]:
    """The limits a log-in attempt for ``email`` from ``ip`` must fit under (pure)."""
    here = ip or "unknown"
    pair = Limit(f"account+address:{email}|{here}", MAX_FAILED_PER_ACCOUNT_AND_ADDRESS)
    if known_address:
        return [pair]
    limits = [pair, Limit(f"account:{email}", MAX_FAILED_PER_ACCOUNT)]
    if ip is not None:
        limits.append(Limit(f"address:{ip}", MAX_FAILED_PER_ADDRESS))
    return limits


def known_address(session: Session, email: str, ip: str | None) -> bool:
    """Whether ``email`` has logged in successfully from ``ip`` before."""
    if ip is None:
        return False
    found = session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.actor == email, AuditEvent.kind == "login.succeeded", AuditEvent.ip == ip)
        .limit(1)
    )
    return found is not None


def forget_expired(session: Session, now: datetime) -> None:
    """Drop counts whose window has run out (guessed e-mails would otherwise pile up).

    Run in a transaction of its own: rows another attempt holds are skipped, not waited for, so
    this never takes part in a deadlock with :func:`take_attempt`.
    """
    expired = (
        select(LoginThrottle.key)
        .where(LoginThrottle.window_started_at < now - WINDOW)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(expired)))


def take_attempt(session: Session, limits: list[Limit], now: datetime) -> bool:
    """Take one attempt under every limit, or (if any is used up) none; True when taken.

    Every attempt takes its limits in the same order (account at address, account, address),
    so two attempts never wait for each other's rows in a cycle.
    """
    taken: list[Limit] = []
    for limit in limits:
        if not _take(session, limit, now):
            give_back(session, taken)
            return False
        taken.append(limit)
    return True


def _take(session: Session, limit: Limit, now: datetime) -> bool:
    # One statement: a fresh row, a window that has run out (start again at one), or one more
    # attempt while under the limit. A used-up row matches no branch and nothing is returned.
    expired = LoginThrottle.window_started_at < now - WINDOW
    statement = (
        upsert(session, LoginThrottle)
        .values(key=limit.key, window_started_at=now, attempts=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
                "window_started_at": case((expired, now), else_=LoginThrottle.window_started_at),
            },
            where=expired | (LoginThrottle.attempts < limit.most),
        )
        .returning(LoginThrottle.attempts)
    )
    return session.execute(statement).first() is not None


def forgive(session: Session, limits: list[Limit]) -> None:
    """The right password: the account's failures at this address are forgotten, and the attempt
    taken under the other limits is given back."""
    pair, *others = limits
    session.execute(update(LoginThrottle).where(LoginThrottle.key == pair.key).values(attempts=0))
    give_back(session, others)


def give_back(session: Session, limits: list[Limit]) -> None:
    """Return an attempt that turned out not to be a failure."""
    if not limits:
        return
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_([limit.key for limit in limits]), LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
    )
