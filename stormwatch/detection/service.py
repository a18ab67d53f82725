"""Running every brand's detectors over the enriched stream."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.detectors import Detector, detectors_for
from stormwatch.detection.signal import Signal
from stormwatch.workspace.config import BrandConfig

log = logging.getLogger(__name__)

# Far inside datetime's range (years 1 to 9999), so that no window, baseline week or reply SLA
# added to or taken from a mention's time can leave it (year 1 minus ten minutes is an
# OverflowError that used to stop the pipeline). Ingest validation keeps much narrower bounds
# (ingest/window.py); this guards mentions stored before it existed.
EARLIEST_DETECTABLE = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_DETECTABLE = datetime(9000, 1, 1, tzinfo=UTC)


def detectable(moment: datetime) -> bool:
    return EARLIEST_DETECTABLE <= moment < LATEST_DETECTABLE


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
