"""How many mentions a brand usually gets at this hour of this day of the week.

A :class:`RhythmBaseline` models the expected count per hour of one stream (all mentions of a
brand, its negative ones, their reach...) as the product of

* an **hour-of-day shape** (24 slots, exponentially weighted over days: the daily rhythm),
* a **day-of-week factor** (7 values, weighted over weeks: the weekly rhythm, e.g. quiet Sundays),
* a **today factor**: how busy the last few hours were against that rhythm, so that a busy day or a
  brand that is simply growing is not read as a crisis (the baseline adapts).

Before a slot has seen a few days the overall level stands in, and never less than a small prior
so that a new, quiet brand is not alarmed by its first handful of posts. Counts are clipped before
they update anything so that a crisis does not teach the baseline that crises are normal.

It also learns how *noisy* the stream is (overdispersion: real hourly counts vary far more than a
Poisson process would), so that a 50 % jump of a big brand on a busy day is not a surprise while
the same jump of a quiet, steady brand might be.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SLOT_ALPHA = 0.25  # weight of the newest day in an hour-of-day slot (~4 days of memory)
WEEKDAY_ALPHA = 0.5  # weight of the newest week in a day-of-week factor
LEVEL_ALPHA = 0.08  # weight of the newest hour in the overall level (~12 hours of memory)
TODAY_ALPHA = 0.2  # weight of the newest hour in the today factor (~5 hours of memory)
TODAY_RANGE = (0.6, 1.6)  # the today factor explains busy days, not crises
SLOT_TRUSTED_AFTER = 3  # days of history before an hour-of-day slot is used on its own
PRIOR_PER_HOUR = 1.0  # floor for a brand with (almost) no history
PRIOR_FADES_AFTER_HOURS = 48
DISPERSION_PRIOR = 0.15  # squared coefficient of variation of hourly counts beyond Poisson
DISPERSION_ALPHA = 0.02  # ~2 days of hours
DISPERSION_FLOOR = 0.03
HOUR = timedelta(hours=1)
# A rise whose extra positive posts reach half its extra negative ones is a wave of (partly misread)
# praise: the fast sentiment tier reads some praise as criticism, but a firestorm's extra positives
# are misreads, about a quarter of its extra negatives on the tune seeds.
PRAISE_TO_CRITICISM = 0.5
MIN_PRAISE_EXCESS = 3.0  # extra positive posts before a wave can count as praise at all


def hour_start(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(slots=True)
class RhythmBaseline:
    """The expected count per hour of one stream (e.g. a brand's negative mentions)."""

    prior: float = PRIOR_PER_HOUR
    slots: list[float] = field(default_factory=lambda: [0.0] * 24)
    slot_days: list[int] = field(default_factory=lambda: [0] * 24)
    weekday: list[float] = field(default_factory=lambda: [1.0] * 7)
    weekday_weeks: list[int] = field(default_factory=lambda: [0] * 7)
    level: float = 0.0
    today: float = 1.0
    dispersion: float = DISPERSION_PRIOR
    hours_seen: int = 0
    current_hour: datetime | None = None
    current_hour_end: datetime | None = None
    current_count: float = 0.0
    day_observed: float = 0.0
    day_expected: float = 0.0
    # Expected per hour of the current hour (index 0) and the hours before it (index k: k hours
    # back), valid until the current hour moves on (cleared in _start_hour, which follows every
    # closing of hours, and closing changes the rhythm): every negative post asks for several
    # windows' expectations within the same few hours.
    _rates_back: list[float] = field(default_factory=list, repr=False, compare=False)
    # The hour data resumed in after a coverage gap: partial, so it teaches nothing (``skip_to``).
    _unlearnt_hour: datetime | None = field(default=None, repr=False, compare=False)

    def add(self, moment: datetime, weight: float = 1.0) -> None:
        self.advance(moment)
        self.current_count += weight

    def advance(self, moment: datetime) -> None:
        """Close every hour that ended before ``moment`` (empty hours count as zero)."""
        current, current_end = self.current_hour, self.current_hour_end
        if current is not None and current_end is not None and current <= moment < current_end:
            return  # the common case: two comparisons, no datetime built
        hour = hour_start(moment)
        if self.current_hour is None:
            self._start_hour(hour)
            return
        gap_hours = int((hour - self.current_hour).total_seconds() // 3600)
        if gap_hours <= 0:
            return
        if self.current_hour != self._unlearnt_hour:
            self._close_hour(self.current_hour, self.current_count)
        # Long silences: at most a week of empty hours matters, the rest would change nothing.
        for offset in range(1, min(gap_hours, 24 * 7)):
            self._close_hour(self.current_hour + offset * HOUR, 0.0)
        self._start_hour(hour)
        self.current_count = 0.0

    def skip_to(self, moment: datetime) -> None:
        """Jump over a coverage gap (:mod:`stormwatch.detection.gaps`) to ``moment``: the hole's hours
        are not quiet hours, and the partial hours at its edges (the one it began in, the one data
        resumed in) are not ordinary ones, so none of them teaches the rhythm. The rhythm, the
        today factor and the dispersion stay what they were before the hole, so the first hour
        after it is judged against the usual rate, not against zero."""
        hour = hour_start(moment)
        if self.current_hour is None or hour <= self.current_hour:
            return
        self._start_hour(hour)
        self.current_count = 0.0
        self._unlearnt_hour = hour

    def _start_hour(self, hour: datetime) -> None:
        self.current_hour = hour
        self.current_hour_end = hour + HOUR
        self._rates_back.clear()

    def expected_per_hour(self, moment: datetime) -> float:
        return max(self._rhythm(moment) * self.today, self.floor)

    @property
    def floor(self) -> float:
        """The prior stands fully for a new brand's first two days, then fades (to a tenth) as the
        brand's own history takes over: a quiet brand's night may truly be quieter than the prior."""
        return self.prior * min(1.0, max(PRIOR_FADES_AFTER_HOURS / max(self.hours_seen, 1), 0.1))

    def expected_between(self, start: datetime, end: datetime) -> float:
        """Expected count in ``[start, end)``, following the rhythm across hour boundaries."""
        hour_end = self.current_hour_end
        if hour_end is None or end > hour_end or start >= end:
            return self._expected_between_any(start, end)
        # Windows end within the current hour: measured in hours back from its end, piece k of the
        # window lies in the hour k hours back, whose rate is cached. Float arithmetic, not datetimes:
        # this runs several times for every negative post.
        back_from = (hour_end - end).total_seconds() / 3600
        back_to = (hour_end - start).total_seconds() / 3600
        rates = self._rates_back
        total = 0.0
        k = int(back_from)
        piece_from = back_from
        while piece_from < back_to:
            while len(rates) <= k:
                assert self.current_hour is not None
                rates.append(self.expected_per_hour(self.current_hour - len(rates) * HOUR))
            k += 1
            piece_to = k if k < back_to else back_to
            total += rates[k - 1] * (piece_to - piece_from)
            piece_from = piece_to
        return total

    def _expected_between_any(self, start: datetime, end: datetime) -> float:
        """:meth:`expected_between` for any span, also one reaching past the current hour."""
        total = 0.0
        cursor = start
        hour = hour_start(start)  # after the first piece, pieces are whole clock hours
        while cursor < end:
            next_hour = hour + HOUR
            piece_end = next_hour if next_hour < end else end
            total += self.expected_per_hour(hour) * (piece_end - cursor).total_seconds() / 3600
            cursor = piece_end
            hour = next_hour
        return total

    def surprise(self, observed: float, start: datetime, end: datetime) -> tuple[float, float]:
        """(expected, z): how many standard deviations ``observed`` lies above the usual count.

        The variance is that of a gamma-Poisson (negative binomial) count, ``m + d·m²``, with the
        dispersion ``d`` learnt from this stream.
        """
        expected = self.expected_between(start, end)
        variance = expected + self.dispersion * expected * expected
        return expected, (observed - expected) / math.sqrt(variance)

    @property
    def history_hours(self) -> int:
        return self.hours_seen

    @property
    def usual_per_day(self) -> float:
        """The count of an ordinary day: the daily rhythm summed once every hour of the day has been
        seen, the overall level times 24 before."""
        if min(self.slot_days) >= 1:
            return sum(self.slots)
        return self.level * 24

    def _rhythm(self, moment: datetime) -> float:
        """Expected per hour from the daily and weekly rhythm alone (no today factor, no floor)."""
        slot = moment.hour
        shape = self.slots[slot] if self.slot_days[slot] >= SLOT_TRUSTED_AFTER else self.level
        return shape * self.weekday[moment.weekday()]

    def _close_hour(self, hour: datetime, count: float) -> None:
        if self.hours_seen == 0:
            self._first_hour(hour, count)
            return
        rhythm = self._rhythm(hour)
        expected = max(rhythm * self.today, self.floor)
        clipped = min(count, surge_ceiling(expected)) if self.hours_seen >= 6 else count
        if self.hours_seen >= 24:
            excess = (clipped - expected) ** 2 - expected
            relative = min(max(excess / (expected * expected), 0.0), 1.0)
            self.dispersion = max(
                DISPERSION_FLOOR, self.dispersion + DISPERSION_ALPHA * (relative - self.dispersion)
            )
        # The shape and the level learn counts without the weekday and today factors in them.
        deseasoned = clipped / (self.weekday[hour.weekday()] * self.today)
        self.level += LEVEL_ALPHA * (deseasoned - self.level)
        slot = hour.hour
        if self.slot_days[slot] == 0:
            self.slots[slot] = deseasoned
        else:
            self.slots[slot] += SLOT_ALPHA * (deseasoned - self.slots[slot])
        self.slot_days[slot] += 1
        if rhythm > 0 and self.hours_seen >= 24:
            ratio = min(max(clipped / max(rhythm, 1e-9), TODAY_RANGE[0]), TODAY_RANGE[1])
            # Sparse streams carry little information per hour: move the factor less.
            weight = TODAY_ALPHA * min(1.0, rhythm / 5.0)
            self.today += weight * (ratio - self.today)
        self._track_day(hour, clipped, rhythm / self.weekday[hour.weekday()])
        self.hours_seen += 1

    def _first_hour(self, hour: datetime, count: float) -> None:
        self.level = count
        self.slots[hour.hour] = count
        self.slot_days[hour.hour] = 1
        self.hours_seen = 1

    def _track_day(self, hour: datetime, observed: float, expected_without_weekday: float) -> None:
        """At the end of each day, learn how this weekday compares with the daily rhythm."""
        self.day_observed += observed
        self.day_expected += expected_without_weekday
        if hour.hour != 23:
            return
        day = hour.weekday()
        if self.day_expected >= 5.0 and self.hours_seen >= 24 * 2:
            ratio = min(max(self.day_observed / self.day_expected, 0.3), 3.0)
            # Shrink the first weeks towards 1: one odd Saturday is not yet a weekly rhythm.
            alpha = max(WEEKDAY_ALPHA, 1.0 / (self.weekday_weeks[day] + 2))
            self.weekday[day] += alpha * (ratio - self.weekday[day])
            self.weekday_weeks[day] += 1
        self.day_observed = self.day_expected = 0.0
        # A new day starts halfway back to the rhythm: yesterday's mood says less about today.
        self.today = 1.0 + 0.5 * (self.today - 1.0)


HourlyBaseline = RhythmBaseline  # the name the first version had


class MoodGauge:
    """Is a stream in a wave of praise right now? More positive posts above their usual level than
    negative ones above theirs means buzz: a detector that sees a rise then is looking at misread
    praise, not a crisis."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self.positive = RhythmBaseline()
        self.negative = RhythmBaseline()
        self._recent: deque[tuple[datetime, bool]] = deque()  # (at, positive) of non-neutral posts

    def observe(self, at: datetime, sentiment: str) -> None:
        # Each baseline closes its hours when it next counts a post or is asked (is_buzz): the same
        # hours with the same counts as advancing both on every post, for a fraction of the work.
        if self.positive.current_hour is None:  # both histories start with the first post
            self.positive.advance(at)
            self.negative.advance(at)
        if sentiment != "neutral":
            positive = sentiment == "positive"
            (self.positive if positive else self.negative).add(at)
            self._recent.append((at, positive))
        cutoff = at - self.window
        while self._recent and self._recent[0][0] <= cutoff:
            self._recent.popleft()

    def is_buzz(self, at: datetime) -> bool:
        self.positive.advance(at)
        self.negative.advance(at)
        positives = sum(positive for _, positive in self._recent)
        negatives = len(self._recent) - positives
        start = at - self.window
        excess_positive = positives - self.positive.expected_between(start, at)
        excess_negative = negatives - self.negative.expected_between(start, at)
        return excess_positive > excess_negative or excess_positive >= max(
            PRAISE_TO_CRITICISM * excess_negative, MIN_PRAISE_EXCESS
        )


def surge_ceiling(expected: float) -> float:
    return 2 * expected + 3 * math.sqrt(expected) + 2


def poisson_tail(observed: float, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected): how surprising a count is."""
    if observed <= expected:
        return 1.0
    if expected <= 0:
        return 0.0
    k = math.ceil(observed)
    term = math.exp(-expected + k * math.log(expected) - math.lgamma(k + 1))
    total = 0.0
    while term > 1e-15 * max(total, 1e-300):
        total += term
        k += 1
        term *= expected / k
    return min(total, 1.0)


def negative_binomial_tail(observed: float, expected: float, dispersion: float) -> float:
    """P(X >= observed) for a gamma-Poisson (negative binomial) count with mean ``expected`` and
    variance ``expected + dispersion·expected²``, the noise :meth:`RhythmBaseline.surprise` assumes:
    a busy brand's hours vary far more than a Poisson process's, so the same jump surprises less."""
    if observed <= expected:
        return 1.0
    if expected <= 0:
        return 0.0
    if dispersion <= 1e-9:
        return poisson_tail(observed, expected)
    shape = 1.0 / dispersion
    q = expected / (shape + expected)  # the failure probability of the usual parametrisation
    k = math.ceil(observed)
    term = math.exp(
        math.lgamma(k + shape)
        - math.lgamma(shape)
        - math.lgamma(k + 1)
        + shape * math.log1p(-q)
        + k * math.log(q)
    )
    total = 0.0
    while term > 1e-15 * max(total, 1e-300):
        total += term
        term *= (k + shape) / (k + 1) * q
        k += 1
    return min(total, 1.0)


def binomial_tail(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p): how surprising a share is."""
    if successes <= 0:
        return 1.0
    if successes > trials:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_choose = math.lgamma(trials + 1) - math.lgamma(successes + 1) - math.lgamma(trials - successes + 1)
    term = math.exp(log_choose + successes * log_p + (trials - successes) * log_q)
    total = 0.0
    for k in range(successes, trials + 1):
        total += term
        term *= (trials - k) / (k + 1) * p / (1 - p)
    return min(total, 1.0)
