"""Running every brand's detectors over the enriched stream."""

from __future__ import annotations

from collections.abc import Callable

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.detectors import Detector, detectors_for
from stormwatch.detection.signal import Signal
from stormwatch.workspace.config import BrandConfig


class DetectionEngine:
    """Holds the detectors of each brand, created the first time the brand is seen."""

    def __init__(self, brand_settings: Callable[[str], BrandConfig]) -> None:
        self.brand_settings = brand_settings
        self._detectors: dict[str, list[Detector]] = {}

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        detectors = self._detectors.get(mention.brand)
        if detectors is None:
            detectors = self._detectors[mention.brand] = detectors_for(self.brand_settings(mention.brand))
        signals: list[Signal] = []
        for detector in detectors:
            signals.extend(detector.observe(mention))
        return signals
