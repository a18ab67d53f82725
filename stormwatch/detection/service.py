"""Running every brand's detectors over the enriched stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.detectors import Detector, detectors_for
from stormwatch.detection.gaps import CoverageGap, GapWatch
from stormwatch.detection.signal import Signal
from stormwatch.workspace.config import BrandConfig


@runtime_checkable
class GapAware(Protocol):
    """A detector whose state must skip a coverage gap (its baselines must not learn it as quiet)."""

    def on_gap(self, gap: CoverageGap) -> None: ...


class DetectionEngine:
    """Holds the detectors and the coverage watch of each brand, created the first time it is seen."""

    def __init__(self, brand_settings: Callable[[str], BrandConfig]) -> None:
        self.brand_settings = brand_settings
        self._detectors: dict[str, list[Detector]] = {}
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

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if self._checked is not mention:
            self.check_coverage(mention)
        signals: list[Signal] = []
        for detector in self._detectors_of(mention.brand):
            signals.extend(detector.observe(mention))
        return signals

    def _detectors_of(self, brand: str) -> list[Detector]:
        detectors = self._detectors.get(brand)
        if detectors is None:
            detectors = self._detectors[brand] = detectors_for(self.brand_settings(brand))
        return detectors
