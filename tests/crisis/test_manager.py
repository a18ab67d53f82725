from datetime import UTC, datetime, timedelta

from stormwatch.analysis.models import Cause
from stormwatch.crisis.manager import CrisisManager, crisis_key
from stormwatch.crisis.severity import severity_of
from stormwatch.detection.signal import Signal

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _signal(
    minutes: int,
    observed: float,
    expected: float = 2.0,
    reach: int = 1000,
    cause: Cause | None = "customer_service",
) -> Signal:
    return Signal(
        brand="Northwind Air",
        kind="negative_surge",
        at=T0 + timedelta(minutes=minutes),
        observed=observed,
        expected=expected,
        window=timedelta(minutes=30),
        cause=cause,
        reach=reach,
        example_ids=("a", "b"),
        summary="Negative mentions rose.",
    )


def test_severity_rule() -> None:
    """Without an audience the observed count stands for the people: the ratio raises the level only
    as far as they allow (fewer than 30: at most 2; fewer than 150: at most 3)."""
    assert severity_of(_signal(0, observed=7)) == 1  # 3.5×, a handful
    assert severity_of(_signal(0, observed=13)) == 2  # 6.5×
    assert severity_of(_signal(0, observed=25, expected=1.0)) == 2  # 25×, yet under 30 people
    assert severity_of(_signal(0, observed=60)) == 3  # 30×, a few dozen
    assert severity_of(_signal(0, observed=600, expected=20.0)) == 4  # 30×, hundreds
    assert severity_of(_signal(0, observed=7, reach=2_000_000)) == 2  # wide reach adds a level
    assert severity_of(_signal(0, observed=7, cause="account_compromise")) == 3
    assert severity_of(_signal(0, observed=600, expected=20.0, reach=2_000_000)) == 4  # capped


def test_open_escalate_then_close_after_calm() -> None:
    manager = CrisisManager(calm_after=timedelta(hours=6))
    opened = manager.on_signal(_signal(0, observed=7))
    assert opened is not None and opened.kind == "opened" and opened.severity == 1
    assert opened.crisis_key == "northwind-air-20260302T1400"
    assert "customer-service failures" in opened.reason and "Examples: a, b." in opened.reason
    assert manager.on_signal(_signal(10, observed=7)) is None  # same level: joins quietly
    escalated = manager.on_signal(_signal(20, observed=30))
    assert escalated is not None and escalated.kind == "escalated" and escalated.severity == 3
    assert escalated.reason.startswith("Escalated from severity 1 to 3.")
    assert manager.on_signal(_signal(30, observed=13)) is None  # one weaker signal does not de-escalate
    assert manager.on_time("Northwind Air", T0 + timedelta(hours=2)) is None
    lowered = manager.on_time("Northwind Air", T0 + timedelta(hours=2, minutes=21))
    assert lowered is not None and lowered.kind == "deescalated" and lowered.severity == 2
    assert "no warning sign at level 3 for 120 minutes" in lowered.reason
    again = manager.on_signal(_signal(150, observed=30))  # it flares up again: a new alert
    assert again is not None and again.kind == "escalated" and again.severity == 3
    closed = manager.on_time("Northwind Air", T0 + timedelta(hours=8, minutes=31))
    assert closed is not None and closed.kind == "closed" and closed.crisis_key == opened.crisis_key
    # A new wave the next morning is the same matter coming back: reopened, not a new crisis.
    reopened = manager.on_signal(_signal(60 * 9, observed=7))
    assert reopened is not None and reopened.kind == "reopened" and reopened.crisis_key == opened.crisis_key
    manager.on_time("Northwind Air", T0 + timedelta(hours=15, minutes=1))  # closed as calm again
    much_later = manager.on_signal(_signal(60 * 66, observed=7))  # more than two days after
    assert (
        much_later is not None and much_later.kind == "opened" and much_later.crisis_key != opened.crisis_key
    )


def test_crisis_keys_are_readable_slugs() -> None:
    assert crisis_key("Żabka Polska", T0) == "zabka-polska-20260302T1400"
    assert crisis_key("!!!", T0) == "brand-20260302T1400"
