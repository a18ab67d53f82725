"""Turning signals into crises: open one, raise its severity, close it after calm.

Pure state, no I/O: the pipeline persists and alerts on the updates it returns. One brand has at
most one open crisis; every signal for that brand while it is open joins it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from stormwatch.analysis.models import Cause
from stormwatch.crisis.models import CrisisUpdate, UpdateKind
from stormwatch.crisis.severity import severity_of
from stormwatch.detection.models import Signal

CALM_AFTER = timedelta(hours=6)

CAUSE_WORDS: dict[str, str] = {
    "communication_error": "an unclear or inappropriate brand message",
    "negative_review": "negative reviews and opinions",
    "controversial_action": "a controversial campaign, ad or statement",
    "account_compromise": "a compromised brand account",
    "customer_service": "customer-service failures",
}


@dataclass(frozen=True, slots=True)
class OpenCrisis:
    key: str
    brand: str
    opened_at: datetime
    severity: int
    cause: Cause | None
    last_signal_at: datetime


class CrisisManager:
    def __init__(self, calm_after: timedelta = CALM_AFTER) -> None:
        self.calm_after = calm_after
        self.open: dict[str, OpenCrisis] = {}

    def restore(self, crises: list[OpenCrisis]) -> None:
        """Take back the open crises after a restart."""
        self.open = {crisis.brand: crisis for crisis in crises}

    def on_signal(self, signal: Signal) -> CrisisUpdate | None:
        current = self.open.get(signal.brand)
        severity = severity_of(signal)
        if current is None:
            crisis = OpenCrisis(
                key=crisis_key(signal.brand, signal.at),
                brand=signal.brand,
                opened_at=signal.at,
                severity=severity,
                cause=signal.cause,
                last_signal_at=signal.at,
            )
            self.open[signal.brand] = crisis
            return self._update("opened", crisis, signal, explain(signal))
        raised = severity > current.severity
        crisis = replace(
            current,
            severity=max(severity, current.severity),
            cause=current.cause or signal.cause,
            last_signal_at=signal.at,
        )
        self.open[signal.brand] = crisis
        if not raised:
            return None
        reason = f"Escalated from severity {current.severity} to {severity}. {explain(signal)}"
        return self._update("escalated", crisis, signal, reason)

    def on_time(self, brand: str, now: datetime) -> CrisisUpdate | None:
        """Close the brand's crisis once no detector has fired for :attr:`calm_after`."""
        current = self.open.get(brand)
        if current is None or now - current.last_signal_at < self.calm_after:
            return None
        del self.open[brand]
        hours = self.calm_after.total_seconds() / 3600
        reason = f"No new warning signs for {hours:g} hours; closed as calm."
        return self._update("closed", current, None, reason, at=now)

    @staticmethod
    def _update(
        kind: UpdateKind, crisis: OpenCrisis, signal: Signal | None, reason: str, at: datetime | None = None
    ) -> CrisisUpdate:
        return CrisisUpdate(
            kind=kind,
            crisis_key=crisis.key,
            brand=crisis.brand,
            at=at or (signal.at if signal else crisis.last_signal_at),
            severity=crisis.severity,
            cause=crisis.cause,
            reason=reason,
            signal=signal,
        )


def explain(signal: Signal) -> str:
    """The reason a PR person reads: what rose, by how much, what about, which posts to look at."""
    parts = [signal.summary]
    if signal.cause:
        parts.append(f"Most of it is about {CAUSE_WORDS[signal.cause]}.")
    if signal.reach:
        parts.append(f"These posts reach {signal.reach:,} followers.")
    if signal.example_ids:
        parts.append(f"Examples: {', '.join(signal.example_ids)}.")
    return " ".join(parts)


def crisis_key(brand: str, at: datetime) -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", brand.replace("ł", "l").replace("Ł", "L"))
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "brand"
    return f"{slug}-{at:%Y%m%dT%H%M}"
