"""Running every brand's detectors over the enriched stream."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.detectors import Detector, detectors_for
from stormwatch.detection.gaps import CoverageGap, GapWatch
from stormwatch.detection.signal import Signal
from stormwatch.ingest.window import SAFE_EARLIEST, SAFE_LATEST
from stormwatch.workspace.config import BrandConfig

log = logging.getLogger(__name__)


def detectable(moment: datetime) -> bool:
    """Whether date arithmetic on ``moment`` is safe (see ``SAFE_EARLIEST``); ingest validation
    keeps much narrower bounds, so only a mention stored before it existed can fail this."""
    return SAFE_EARLIEST <= moment < SAFE_LATEST


@runtime_checkable
class GapAware(Protocol):
    """A detector whose state must skip a coverage gap (its baselines must not learn it as quiet)."""

    def on_gap(self, gap: CoverageGap) -> None: ...


# A brand whose first day held fewer posts than this has no usual level to speak of: a collection
# that barely caught it (a keyword stream's sampling; on a real airline week, 4 posts over 3 days,
# then 100 an hour as the collection caught on). When more posts come, its detectors start afresh,
# once, and learn the brand as they would a new one, instead of judging the collection's start
# against almost nothing.
SPARSE_HISTORY_POSTS = 24
SPARSE_HISTORY_SPAN = timedelta(hours=24)
WAKING_POSTS = 5  # ...when this many posts come within WAKING_SPAN: the collection caught on
WAKING_SPAN = timedelta(hours=1)


@dataclass(slots=True)
class _Seen:
    first_at: datetime
    posts: int = 0
    restarted: bool = False
    recent: deque[datetime] = field(default_factory=lambda: deque(maxlen=WAKING_POSTS))


class DetectionEngine:
    """Holds the detectors and the coverage watch of each brand, created the first time it is seen."""

    def __init__(self, brand_settings: Callable[[str], BrandConfig]) -> None:
        self.brand_settings = brand_settings
        self._detectors: dict[str, list[Detector]] = {}
        self._seen: dict[str, _Seen] = {}
        self._gaps: dict[str, GapWatch] = {}
        self._checked: EnrichedMention | None = None  # the mention check_coverage last took

    def check_coverage(self, mention: EnrichedMention) -> CoverageGap | None:
        """Take the mention's place in its source's rhythm: the coverage gap it ends, if any, which
        the brand's detectors then skip. Called before :meth:`observe` so that the crisis manager
        hears of a hole before it judges the silence as calm; :meth:`observe` calls it otherwise."""
        watch = self._gaps.get(mention.brand)
        if watch is None:
            watch = self._gaps[mention.brand] = GapWatch(mention.brand)
        self._checked = mention
        gap = watch.observe(mention)
        if gap is not None:
            for detector in self._detectors_of(mention.brand):
                if isinstance(detector, GapAware):
                    detector.on_gap(gap)
        return gap

    def last_gap(self, brand: str) -> CoverageGap | None:
        watch = self._gaps.get(brand)
        return watch.last_gap if watch else None

    def accepts(self, mention: EnrichedMention) -> bool:
        """Whether the mention's time is one detection can work with; a log line says when not."""
        if detectable(mention.mention.created_at):
            return True
        log.warning(
            "mention %s of %s dated %s: outside the times detection can use, left out of detection",
            mention.mention.external_id,
            mention.brand,
            mention.mention.created_at.isoformat(),
        )
        return False

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if not self.accepts(mention):
            return []
        if self._checked is not mention:
            self.check_coverage(mention)
        self._restart_after_sparse_history(mention)
        signals: list[Signal] = []
        for detector in self._detectors_of(mention.brand):
            signals.extend(detector.observe(mention))
        return signals

    def _restart_after_sparse_history(self, mention: EnrichedMention) -> None:
        at = mention.mention.created_at
        seen = self._seen.get(mention.brand)
        if seen is None:
            seen = self._seen[mention.brand] = _Seen(at)
        seen.recent.append(at)
        sparse = seen.posts < SPARSE_HISTORY_POSTS and at - seen.first_at >= SPARSE_HISTORY_SPAN
        waking = len(seen.recent) == WAKING_POSTS and at - seen.recent[0] <= WAKING_SPAN
        if sparse and waking and not seen.restarted:
            seen.restarted = True
            self._detectors.pop(mention.brand, None)
        seen.posts += 1

    def _detectors_of(self, brand: str) -> list[Detector]:
        detectors = self._detectors.get(brand)
        if detectors is None:
            detectors = self._detectors[brand] = detectors_for(self.brand_settings(brand))
        return detectors
