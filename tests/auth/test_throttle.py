"""The log-in throttle: atomic under concurrency, and no lever for locking the owner out (both stores)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from stormwatch.auth import throttle
from stormwatch.auth.models import AuditEvent
from stormwatch.auth.service import LoginOutcome, add_user, login
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.models import utcnow
from stormwatch.workspace.service import apply_config

PASSWORD = "correct horse battery"
OWNER = "owner@example.com"
OWNER_HOME = "198.51.100.7"


@pytest.fixture
def accounts(store: Store) -> Store:
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig()).id
        for email in (OWNER, "colleague@example.com", "newcomer@example.com"):
            add_user(session, email, PASSWORD, workspace_id=workspace_id, role="analyst")
    return store


def _kinds(store: Store, kind: str) -> int:
    with store.session() as session:
        return len(list(session.scalars(select(AuditEvent.id).where(AuditEvent.kind == kind))))


def _attempts(store: Store, tries: list[tuple[str, str, str]], workers: int = 10) -> list[LoginOutcome]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda attempt: login(store, *attempt), tries))


def test_simultaneous_wrong_passwords_get_at_most_the_limit_of_password_checks(accounts: Store) -> None:
    outcomes = _attempts(accounts, [(OWNER, f"guess number {n}", "203.0.113.9") for n in range(30)])
    checked = _kinds(accounts, "login.failed")  # every wrong password that was checked is audited
    assert checked == throttle.MAX_FAILED_PER_ACCOUNT_AND_ADDRESS
    assert sum(outcome.throttled for outcome in outcomes) == 30 - checked
    assert _kinds(accounts, "login.throttled") == 30 - checked


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Account- and address-wide limits of a few attempts: the same logic, a tenth of the (slow)
    password checks."""
    monkeypatch.setattr(throttle, "MAX_FAILED_PER_ACCOUNT", 8)
    monkeypatch.setattr(throttle, "MAX_FAILED_PER_ADDRESS", 6)


@pytest.mark.usefixtures("small_limits")
def test_the_owner_logs_in_while_an_attacker_hammers_the_account_from_elsewhere(accounts: Store) -> None:
    assert login(accounts, OWNER, PASSWORD, OWNER_HOME).secret is not None  # the owner's usual address
    # A spread-out attack from many addresses: far beyond every limit on the account.
    attackers = [f"203.0.113.{n % 12}" for n in range(60)]
    _attempts(accounts, [(OWNER, "not the password", ip) for ip in attackers])
    assert login(accounts, OWNER, "not the password", "203.0.113.1").throttled
    assert login(accounts, OWNER, PASSWORD, OWNER_HOME).secret is not None  # not locked out
    assert login(accounts, OWNER, PASSWORD, "203.0.113.1").throttled  # the attacker's address is


def test_an_attack_from_one_address_does_not_lock_the_owner_out_of_a_new_address(accounts: Store) -> None:
    for _ in range(throttle.MAX_FAILED_PER_ACCOUNT_AND_ADDRESS + 3):
        login(accounts, OWNER, "not the password", "203.0.113.50")
    assert login(accounts, OWNER, PASSWORD, "192.0.2.44").secret is not None


@pytest.mark.usefixtures("small_limits")
def test_one_address_guessing_many_accounts_is_stopped_but_known_users_behind_it_get_in(
    accounts: Store,
) -> None:
    office = "192.0.2.10"
    assert login(accounts, "colleague@example.com", PASSWORD, office).secret is not None
    sprayed = [
        (f"user{n}@example.com", "Summer2026!", office) for n in range(throttle.MAX_FAILED_PER_ADDRESS)
    ]
    _attempts(accounts, sprayed)
    assert login(accounts, "someone.else@example.com", "Summer2026!", office).throttled
    assert login(accounts, "newcomer@example.com", PASSWORD, office).throttled  # never logged in here
    assert login(accounts, "colleague@example.com", PASSWORD, office).secret is not None


def test_the_right_password_forgets_the_failures_at_that_address(accounts: Store) -> None:
    for _ in range(throttle.MAX_FAILED_PER_ACCOUNT_AND_ADDRESS - 1):
        assert login(accounts, OWNER, "typo in it", OWNER_HOME).error == "wrong e-mail or password"
    assert login(accounts, OWNER, PASSWORD, OWNER_HOME).secret is not None
    for _ in range(throttle.MAX_FAILED_PER_ACCOUNT_AND_ADDRESS - 1):
        assert not login(accounts, OWNER, "typo in it", OWNER_HOME).throttled
    assert login(accounts, OWNER, PASSWORD, OWNER_HOME).secret is not None


def test_a_used_up_limit_frees_itself_when_its_window_has_passed(store: Store) -> None:
    limits = [throttle.Limit("account:x@example.com", 2)]
    start = utcnow()
    with store.session() as session:
        taken = [throttle.take_attempt(session, limits, start) for _ in range(3)]
        later = throttle.take_attempt(session, limits, start + throttle.WINDOW + timedelta(seconds=1))
    assert taken == [True, True, False] and later


def test_a_refused_limit_gives_back_the_attempts_taken_under_the_others(store: Store) -> None:
    free, full = throttle.Limit("address:192.0.2.1", 5), throttle.Limit("account:y@example.com", 1)
    now = utcnow()
    with store.session() as session:
        assert throttle.take_attempt(session, [full], now)
        assert not throttle.take_attempt(session, [free, full], now)
        assert all(throttle.take_attempt(session, [free], now) for _ in range(5))
        assert not throttle.take_attempt(session, [free], now)


def test_the_limits_of_an_attempt() -> None:
    unknown = throttle.limits_for("a@example.com", "192.0.2.1", known_address=False)
    assert [limit.key for limit in unknown] == [
        "account+address:a@example.com|192.0.2.1",
        "account:a@example.com",
        "address:192.0.2.1",
    ]
    assert [limit.key for limit in throttle.limits_for("a@example.com", "192.0.2.1", known_address=True)] == [
        "account+address:a@example.com|192.0.2.1"
    ]
