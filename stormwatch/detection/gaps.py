"""Coverage gaps: holes in the collection, told apart from calm.

Real collections have holes: a connector down for a day, a keyword stream with a daily cap (the
recorded United Airlines stream of 2017 has 22 empty hours exactly where its storm began). A hole
is not calm: learnt as quiet hours, it would drag the baseline down so that the first hour after it
is judged against almost nothing, and it would count as hours without warning signs.

:class:`GapWatch` keeps, per source of a brand, the rhythm of its posts and the time of its last
one. When a post arrives after a silence in which that rhythm expected at least
:data:`MIN_EXPECTED` posts, and silence that long is all but impossible for this source's own noise
(negative binomial: the chance of zero posts ≤ :data:`MAX_SILENCE_CHANCE`), the silence is a
:class:`CoverageGap`. The detectors then skip those hours (``RhythmBaseline.skip_to``), the crisis
manager does not count them as calm, and explanations and the volume chart name them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.baseline import RhythmBaseline

COVERAGE_GAP = "coverage_gap"  # the kind of the stored record (``signals`` table) of a gap
MIN_EXPECTED = 20.0  # posts the rhythm expected during the silence
MAX_SILENCE_CHANCE = 1e-4  # chance of that silence under the source's own (overdispersed) noise
MIN_SILENCE = timedelta(hours=1)
# A source's daily rhythm must be known before its silences mean anything: each hour of the day
# seen on three days (``SLOT_TRUSTED_AFTER``), so that a quiet brand's empty nights are expected.
MIN_HISTORY_HOURS = 72


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """No posts from ``source`` about ``brand`` between ``start`` (its last post before the hole)
    and ``end`` (the first after it), where its rhythm expected ``expected``."""

    brand: str
    source: str
    start: datetime
    end: datetime
    expected: float

    def describe(self) -> str:
        """'no data from twitter 00:00–22:00 on 10 Apr' (UTC), for explanations and charts."""
        if self.start.date() == self.end.date():
            return (
                f"no data from {self.source} {self.start:%H:%M}–{self.end:%H:%M} on {self.start:%d %b} (UTC)"
            )
        return f"no data from {self.source} {self.start:%d %b %H:%M} – {self.end:%d %b %H:%M} (UTC)"

    def as_json(self) -> dict[str, object]:
        return {
            "brand": self.brand,
            "source": self.source,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "expected_posts": round(self.expected, 1),
        }


def silence_chance(expected: float, dispersion: float) -> float:
    """P(no posts) for a gamma-Poisson count with mean ``expected`` and dispersion ``d``:
    (1 + d·m)^(-1/d), the Poisson e^(-m) as d → 0."""
    if dispersion <= 1e-9:
        return math.exp(-expected)
    return float((1.0 + dispersion * expected) ** (-1.0 / dispersion))


class GapWatch:
    """One brand's sources: their rhythms and last posts (see the module's docstring)."""

    def __init__(self, brand: str) -> None:
        self.brand = brand
        self._rhythms: dict[str, RhythmBaseline] = {}
        self._last_at: dict[str, datetime] = {}
        self.last_gap: CoverageGap | None = None

    def observe(self, mention: EnrichedMention) -> CoverageGap | None:
        """Take the next post of the brand; the hole it ends, if it ends one."""
        source, at = mention.mention.source, mention.mention.created_at
        rhythm = self._rhythms.get(source)
        if rhythm is None:
            rhythm = self._rhythms[source] = RhythmBaseline()
        last = self._last_at.get(source)
        self._last_at[source] = at
        gap = self._hole(source, rhythm, last, at)
        if gap is not None:
            rhythm.skip_to(at)
            self.last_gap = gap
        rhythm.add(at)
        return gap

    def _hole(
        self, source: str, rhythm: RhythmBaseline, last: datetime | None, at: datetime
    ) -> CoverageGap | None:
        if last is None or at - last < MIN_SILENCE or rhythm.history_hours < MIN_HISTORY_HOURS:
            return None
        expected = rhythm.expected_between(last, at)
        if expected < MIN_EXPECTED or silence_chance(expected, rhythm.dispersion) > MAX_SILENCE_CHANCE:
            return None
        return CoverageGap(self.brand, source, last, at, expected)
