"""Hourly mean+3sd baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.detection import baseline

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def steady(hours: int, per_hour: int, brand: str = "A") -> list[tuple[str, datetime]]:
    out = []
    for h in range(hours):
        for k in range(per_hour + (h % 3) - 1):  # 9..11 per hour, some spread
            out.append((brand, T0 + timedelta(hours=h, minutes=k * 5)))
    return out


def test_spike_alerts_once_per_hour_and_merges_consecutive_hours() -> None:
    events = steady(48, 10)
    spike_start = T0 + timedelta(hours=48)
    for h in range(2):
        events += [("A", spike_start + timedelta(hours=h, seconds=20 * k)) for k in range(60)]
    events += [("A", spike_start + timedelta(hours=3, minutes=m)) for m in range(0, 60, 6)]
    alerts = list(baseline.detect(events))
    assert len(alerts) == 2
    assert alerts[0]["crisis_id"] == alerts[1]["crisis_id"]
    first = datetime.fromisoformat(alerts[0]["at"].replace("Z", "+00:00"))
    assert spike_start < first < spike_start + timedelta(minutes=10)  # running count, not end of hour


def test_needs_24_hours_of_history() -> None:
    events = steady(10, 10) + [("A", T0 + timedelta(hours=10, seconds=k)) for k in range(100)]
    assert list(baseline.detect(events)) == []


def test_brands_are_independent_and_silence_counts_as_zero() -> None:
    events = steady(30, 10, "A")
    # brand B: a few mentions early, then a long silence, then a handful in one hour
    events += [("B", T0 + timedelta(hours=h)) for h in range(30)]
    events += [("B", T0 + timedelta(hours=29, minutes=30 + k)) for k in range(5)]
    events.sort(key=lambda e: e[1])
    alerts = list(baseline.detect(events))
    assert {a["brand"] for a in alerts} == {"B"}
