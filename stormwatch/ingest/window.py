"""The span of time an incoming mention may be dated in.

A post dated in year 1 or 9999 is no real post: stored, it would put the detectors' date
arithmetic out of range; one dated in 2100 would hold a brand's baseline and windows in the
future and silently weaken detection until then. Social networks as we know them start around
2006 (Twitter's first post), and a clock may run a little ahead, so the default window is from
2006-01-01 to one day past the wall clock. A workspace can change both in its ``[ingest]`` table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stormwatch.i18n.refusal import Phrase

EARLIEST = datetime(2006, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(days=1)

# Far inside datetime's range (years 1 to 9999), so that no window, baseline week or reply SLA
# added to or taken from a time between them can leave it (year 1 minus ten minutes is an
# OverflowError that used to stop the pipeline). The window above is much narrower; these bound
# what detection and the figures use of mentions stored before it existed.
SAFE_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
SAFE_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Accepted ``created_at`` values: from ``earliest`` to ``max_ahead`` past the wall clock.

    "Ahead" is judged against the wall clock also when a recorded stream is replayed: a
    historical stream is never ahead of it.
    """

    earliest: datetime = EARLIEST
    max_ahead: timedelta = MAX_AHEAD
    clock: Callable[[], datetime] = field(default=_wall_clock, compare=False)

    def problem(self, moment: datetime) -> Phrase | None:
        """Why ``moment`` is outside the window, or None when it is inside."""
        if moment < self.earliest:
            return Phrase(
                "%(time)s is before %(earliest)s, the earliest accepted time",
                {"time": moment.isoformat(), "earliest": self.earliest.isoformat()},
            )
        latest = self.clock() + self.max_ahead
        if moment > latest:
            return Phrase(
                "%(time)s is in the future (more than %(hours)s hours ahead of the clock)",
                {"time": moment.isoformat(), "hours": f"{self.max_ahead.total_seconds() / 3600:g}"},
            )
        return None


DEFAULT_WINDOW = TimeWindow()
