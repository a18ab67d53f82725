"""Scorer: matching, delay, false alarms, praise and bump windows on hand-made cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.detection.score import Alert, score_world

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def ev(kind: str, onset: datetime, end: datetime, multiple: float = 8.0, brand: str = "A") -> dict[str, Any]:
    return {
        "brand": brand,
        "kind": kind,
        "onset": iso(onset),
        "end": iso(end),
        "multiple": multiple,
        "cause": "customer_service" if kind == "firestorm" else None,
        "lang": "en",
        "ramp_min": 10,
        "dup_share": 0.0,
    }


def labels(events: list[dict[str, Any]], brands: tuple[str, ...] = ("A", "B")) -> dict[str, Any]:
    return {
        "start": iso(T0),
        "scored_start": iso(at(days=7)),
        "end": iso(at(days=21)),
        "brands": [{"name": b, "languages": {"en": 1.0}, "base_per_day": 100.0} for b in brands],
        "events": events,
    }


def alert(t: datetime, cid: str = "c1", brand: str = "A", cause: str | None = None) -> Alert:
    return Alert(brand=brand, crisis_id=cid, at=t, severity=2, cause=cause)


FIRE = ev("firestorm", at(days=10, hours=12), at(days=10, hours=16))


def test_detection_delay_and_brand_weeks() -> None:
    sc = score_world(labels([FIRE]), [alert(at(days=10, hours=12, minutes=12), cause="customer_service")])
    s = sc.summary()
    assert s["recall_4x"] == 1.0 and s["recall_all"] == 1.0
    assert s["median_delay_min"] == pytest.approx(12.0)
    assert s["false_alarms"] == 0
    assert sc.brand_weeks == pytest.approx(4.0)  # 2 brands x 2 scored weeks
    assert s["cause_agreement"] == 1.0


def test_alert_just_before_onset_counts_with_zero_delay() -> None:
    sc = score_world(labels([FIRE]), [alert(at(days=10, hours=11, minutes=50))])
    assert sc.firestorms[0].detected and sc.firestorms[0].delay_min == 0.0
    assert sc.false_alarms == 0


def test_early_alert_is_false_alarm_and_rise_inside_window_detects() -> None:
    lines = [alert(at(days=10, hours=11)), alert(at(days=10, hours=13))]  # same crisis, rises later
    sc = score_world(labels([FIRE]), lines)
    assert sc.false_alarms == 1
    assert sc.firestorms[0].detected and sc.firestorms[0].delay_min == pytest.approx(60.0)


def test_late_alert_is_a_miss_but_cooldown_is_not_false_alarm() -> None:
    sc = score_world(labels([FIRE]), [alert(at(days=10, hours=17))])
    assert not sc.firestorms[0].detected
    assert sc.false_alarms == 0
    sc = score_world(labels([FIRE]), [alert(at(days=10, hours=23))])  # > end + 6 h
    assert sc.false_alarms == 1


def test_other_brand_does_not_detect() -> None:
    sc = score_world(labels([FIRE]), [alert(at(days=10, hours=12, minutes=5), brand="B")])
    assert not sc.firestorms[0].detected
    assert sc.false_alarms == 1


def test_false_alarms_count_crises_not_lines_and_ignore_warmup() -> None:
    lines = [
        alert(at(days=3), "warm"),  # warm-up: ignored
        alert(at(days=12), "x"),
        alert(at(days=12, hours=1), "x"),  # severity rise of the same crisis
        alert(at(days=14), "y"),
    ]
    sc = score_world(labels([]), lines)
    assert sc.false_alarms == 2
    assert sc.summary()["false_alarms_per_brand_week"] == pytest.approx(0.5)


def test_praise_and_bump_windows() -> None:
    praise = ev("praise", at(days=15, hours=10), at(days=15, hours=12))
    bump = ev("bump", at(days=16, hours=10), at(days=16, hours=11), multiple=2.0)
    lines = [alert(at(days=15, hours=12, minutes=30), "p"), alert(at(days=16, hours=10, minutes=20), "b")]
    sc = score_world(labels([praise, bump]), lines)
    s = sc.summary()
    assert s["praise_spikes"] == 1 and s["praise_spikes_alerted"] == 1 and s["praise_crises"] == 1
    assert s["false_alarms"] == 1 and s["bump_alarms"] == 1
    assert s["firestorms"] == 0 and s["recall_4x"] is None


def test_recall_4x_excludes_small_firestorms_and_delays_percentiles() -> None:
    small = ev("firestorm", at(days=12, hours=8), at(days=12, hours=10), multiple=3.2)
    storms = [ev("firestorm", at(days=8 + i, hours=12), at(days=8 + i, hours=15)) for i in range(0, 10, 2)]
    lines = [
        alert(at(days=8 + i, hours=12, minutes=5 * (k + 1)), f"c{k}") for k, i in enumerate(range(0, 8, 2))
    ]
    sc = score_world(labels([small, *storms]), lines)
    s = sc.summary()
    assert s["firestorms"] == 6 and s["firestorms_4x"] == 5
    assert s["recall_4x"] == pytest.approx(0.8)
    assert s["recall_all"] == pytest.approx(4 / 6)
    assert s["median_delay_min"] == pytest.approx(12.5)  # delays 5, 10, 15, 20
    assert s["p90_delay_min"] == pytest.approx(18.5)
