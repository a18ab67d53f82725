"""How many mentions a brand usually gets at this time of day.

Hourly counts feed an exponentially weighted average per hour of the day (the daily rhythm) and
one over all hours (the level). The expectation for an hour uses its own slot once that slot has
seen a few days, the overall level before that, and never less than a small prior so that a new,
quiet brand is not alarmed by its first handful of posts. Counts are clipped before they update
the averages so that a crisis does not teach the baseline that crises are normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

SLOT_ALPHA = 0.3  # weight of the newest day in an hour-of-day slot (~3 days of memory)
LEVEL_ALPHA = 0.08  # weight of the newest hour in the overall level (~12 hours of memory)
SLOT_TRUSTED_AFTER = 3  # days of history before an hour-of-day slot is used on its own
PRIOR_PER_HOUR = 1.0  # floor for a brand with (almost) no history


def hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(slots=True)
class HourlyBaseline:
    """The expected count per hour of one stream (e.g. a brand's negative mentions)."""

    prior: float = PRIOR_PER_HOUR
    slots: list[float] = field(default_factory=lambda: [0.0] * 24)
    slot_days: list[int] = field(default_factory=lambda: [0] * 24)
    level: float = 0.0
    hours_seen: int = 0
    current_hour: datetime | None = None
    current_count: float = 0.0

    def add(self, moment: datetime, weight: float = 1.0) -> None:
        self.advance(moment)
        self.current_count += weight

    def advance(self, moment: datetime) -> None:
        """Close every hour that ended before ``moment`` (empty hours count as zero)."""
        hour = hour_start(moment)
        if self.current_hour is None:
            self.current_hour = hour
            return
        gap_hours = int((hour - self.current_hour).total_seconds() // 3600)
        if gap_hours <= 0:
            return
        self._close_hour(self.current_hour.hour, self.current_count)
        # Long silences: at most a week of empty hours matters, the rest would change nothing.
        for offset in range(1, min(gap_hours, 24 * 7)):
            self._close_hour((self.current_hour.hour + offset) % 24, 0.0)
        self.current_hour = hour
        self.current_count = 0.0

    def expected_per_hour(self, moment: datetime) -> float:
        return self._expected_in_slot(moment.hour)

    @property
    def history_hours(self) -> int:
        return self.hours_seen

    def _close_hour(self, slot: int, count: float) -> None:
        expected = self._expected_in_slot(slot)
        clipped = min(count, _surge_ceiling(expected)) if self.hours_seen >= 6 else count
        self.level = clipped if self.hours_seen == 0 else self.level + LEVEL_ALPHA * (clipped - self.level)
        if self.slot_days[slot] == 0:
            self.slots[slot] = clipped
        else:
            self.slots[slot] += SLOT_ALPHA * (clipped - self.slots[slot])
        self.slot_days[slot] += 1
        self.hours_seen += 1

    def _expected_in_slot(self, slot: int) -> float:
        if self.slot_days[slot] >= SLOT_TRUSTED_AFTER:
            return max(self.slots[slot], self.prior)
        return max(self.level, self.prior)


def _surge_ceiling(expected: float) -> float:
    return 2 * expected + 3 * math.sqrt(expected) + 2


def poisson_tail(observed: float, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected): how surprising a count is."""
    if observed <= expected:
        return 1.0
    k = math.ceil(observed)
    term = math.exp(-expected + k * math.log(expected) - math.lgamma(k + 1))
    total = 0.0
    while term > 1e-15 * max(total, 1e-300):
        total += term
        k += 1
        term *= expected / k
    return min(total, 1.0)
