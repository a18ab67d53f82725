"""Running every brand's detectors over the enriched stream."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.detectors import Detector, detectors_for
from stormwatch.detection.signal import Signal
from stormwatch.ingest.window import SAFE_EARLIEST, SAFE_LATEST
from stormwatch.workspace.config import BrandConfig

log = logging.getLogger(__name__)


def detectable(moment: datetime) -> bool:
    """Whether date arithmetic on ``moment`` is safe (see ``SAFE_EARLIEST``); ingest validation
    keeps much narrower bounds, so only a mention stored before it existed can fail this."""
    return SAFE_EARLIEST <= moment < SAFE_LATEST


class DetectionEngine:
    """Holds the detectors of each brand, created the first time the brand is seen."""

    def __init__(self, brand_settings: Callable[[str], BrandConfig]) -> None:
        self.brand_settings = brand_settings
        self._detectors: dict[str, list[Detector]] = {}

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
        detectors = self._detectors.get(mention.brand)
        if detectors is None:
            detectors = self._detectors[mention.brand] = detectors_for(self.brand_settings(mention.brand))
        signals: list[Signal] = []
        for detector in detectors:
            signals.extend(detector.observe(mention))
        return signals
