"""Crisis updates: a change in a crisis that people must hear about.

A value object, apart from the database tables of :mod:`stormwatch.crisis.models`, so that the
replay does not load the database layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from stormwatch.analysis.models import Cause
from stormwatch.detection.signal import Signal

# "reopened": a new wave of a matter whose crisis had closed as calm shortly before.
UpdateKind = Literal["opened", "escalated", "reopened", "deescalated", "closed"]


@dataclass(frozen=True, slots=True)
class CrisisUpdate:
    """A change in a crisis that people must hear about (or, for 'closed', may)."""

    kind: UpdateKind
    crisis_key: str
    brand: str
    at: datetime
    severity: int
    cause: Cause | None
    reason: str
    signal: Signal | None

    def as_json(self) -> dict[str, object]:
        """The line of the ``stormwatch detect`` contract."""
        return {
            "brand": self.brand,
            "crisis_id": self.crisis_key,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "severity": self.severity,
            "cause": self.cause,
            "reason": self.reason,
            "event": self.kind,
            "example_ids": list(self.signal.example_ids) if self.signal else [],
        }
