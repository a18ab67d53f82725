"""Turning signals into crises: open one, raise or lower its severity, close it after calm.

Pure state, no I/O: the pipeline persists and alerts on the updates it returns.

**One crisis per brand and story.** Signals that carry no story (a surge, trigger terms, unanswered
customers) join the brand's most recently active crisis of the same cause, else its most recent one. A signal with a story joins the crisis
that already follows that story, or that shares its terms or cause; a story that is clearly another
matter (no shared terms, and a hijacked account on one side only, e.g. a takeover during a
customer-service storm) opens a crisis of its own.

**Severity** follows :func:`stormwatch.crisis.severity.severity_of`. A crisis escalates as soon as a
signal reaches a higher level; it de-escalates one level at a time when no signal has supported its
level for :data:`DE_ESCALATE_AFTER`, and closes after :data:`CALM_AFTER` without any signal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from stormwatch.analysis.models import Cause
from stormwatch.crisis.severity import aggravating_factors, severity_of
from stormwatch.crisis.update import CrisisUpdate, UpdateKind
from stormwatch.detection.signal import Signal

CALM_AFTER = timedelta(hours=6)
DE_ESCALATE_AFTER = timedelta(hours=2)

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
    stories: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    level_supported_at: datetime | None = None  # last signal at (or above) the current severity


class CrisisManager:
    def __init__(
        self,
        calm_after: timedelta = CALM_AFTER,
        de_escalate_after: timedelta = DE_ESCALATE_AFTER,
        key_taken: Callable[[str], bool] | None = None,
    ) -> None:
        """``key_taken`` tells whether a key is used by a crisis this manager no longer holds (the
        live service asks its store: a resolved crisis of the same brand and minute)."""
        self.calm_after = calm_after
        self.key_taken = key_taken
        self.de_escalate_after = de_escalate_after
        self.crises: dict[str, OpenCrisis] = {}  # by crisis key
        self.last_joined: str | None = None  # key of the crisis the last signal joined

    def restore(self, crises: list[OpenCrisis]) -> None:
        """Take back the open crises after a restart."""
        self.crises = {crisis.key: crisis for crisis in crises}

    def keep_only(self, keys: set[str]) -> None:
        """Drop the crises people closed elsewhere (resolved, merged), so new signals do not join them."""
        self.crises = {key: crisis for key, crisis in self.crises.items() if key in keys}

    def on_signal(self, signal: Signal) -> CrisisUpdate | None:
        severity = severity_of(signal)
        current = self._crisis_for(signal)
        if current is None:
            crisis = OpenCrisis(
                key=self._new_key(signal.brand, signal.at),
                brand=signal.brand,
                opened_at=signal.at,
                severity=severity,
                cause=signal.cause,
                last_signal_at=signal.at,
                stories=(signal.story,) if signal.story else (),
                terms=signal.terms,
                level_supported_at=signal.at,
            )
            self.crises[crisis.key] = crisis
            self.last_joined = crisis.key
            return self._update("opened", crisis, signal, explain(signal, severity))
        raised = severity > current.severity
        crisis = replace(
            current,
            severity=max(severity, current.severity),
            cause=current.cause or signal.cause,
            last_signal_at=signal.at,
            stories=current.stories
            + ((signal.story,) if signal.story and signal.story not in current.stories else ()),
            terms=current.terms or signal.terms,
            level_supported_at=signal.at if severity >= current.severity else current.level_supported_at,
        )
        self.crises[crisis.key] = crisis
        self.last_joined = crisis.key
        if not raised:
            return None
        reason = f"Escalated from severity {current.severity} to {severity}. {explain(signal, severity)}"
        return self._update("escalated", crisis, signal, reason)

    def on_time(self, brand: str, now: datetime) -> CrisisUpdate | None:
        """Close a crisis of the brand after calm, or lower its severity when its level is no longer
        supported; at most one change per call (the next mention brings the next)."""
        for crisis in [c for c in self.crises.values() if c.brand == brand]:
            if now - crisis.last_signal_at >= self.calm_after:
                del self.crises[crisis.key]
                hours = self.calm_after.total_seconds() / 3600
                reason = f"No new warning signs for {hours:g} hours; closed as calm."
                return self._update("closed", crisis, None, reason, at=now)
            supported = crisis.level_supported_at or crisis.last_signal_at
            if crisis.severity > 1 and now - supported >= self.de_escalate_after:
                lowered = replace(crisis, severity=crisis.severity - 1, level_supported_at=now)
                self.crises[crisis.key] = lowered
                minutes = int(self.de_escalate_after.total_seconds() // 60)
                reason = (
                    f"De-escalated from severity {crisis.severity} to {lowered.severity}: no warning sign "
                    f"at level {crisis.severity} for {minutes} minutes."
                )
                return self._update("deescalated", lowered, None, reason, at=now)
        return None

    def _crisis_for(self, signal: Signal) -> OpenCrisis | None:
        mine = [crisis for crisis in self.crises.values() if crisis.brand == signal.brand]
        if not mine:
            return None
        latest = max(mine, key=lambda crisis: crisis.last_signal_at)
        if signal.story is None:
            of_cause = [crisis for crisis in mine if signal.cause and crisis.cause == signal.cause]
            return max(of_cause, key=lambda crisis: crisis.last_signal_at) if of_cause else latest
        for crisis in mine:
            if signal.story in crisis.stories:
                return crisis
        for crisis in sorted(mine, key=lambda crisis: crisis.last_signal_at, reverse=True):
            shares_terms = bool(set(signal.terms) & set(crisis.terms))
            if shares_terms or _same_matter(signal.cause, crisis.cause):
                return crisis
        return None  # another matter: a crisis of its own

    def _new_key(self, brand: str, at: datetime) -> str:
        key = crisis_key(brand, at)
        suffix = 2
        while key in self.crises or (self.key_taken is not None and self.key_taken(key)):
            key = f"{crisis_key(brand, at)}-{suffix}"
            suffix += 1
        return key

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


def _same_matter(first: Cause | None, second: Cause | None) -> bool:
    """A hijacked account is a different matter from what customers say; the other causes shade
    into each other within one storm (the same crowd complains about service and reviews it)."""
    if first is None or second is None:
        return True
    return (first == "account_compromise") == (second == "account_compromise")


def explain(signal: Signal, severity: int | None = None) -> str:
    """The reason a PR person reads: what rose against what is usual, what it is about, how far it
    reaches, why it is this serious, and which posts to read first."""
    parts = [signal.summary]
    if signal.terms and signal.kind not in ("story", "trigger_terms"):
        parts.append(f"Key words: {', '.join(signal.terms)}.")
    if signal.cause:
        parts.append(f"Most of it is about {CAUSE_WORDS[signal.cause]}.")
    if signal.reach:
        parts.append(f"These posts reach {signal.reach:,} followers.")
    elif signal.reach is None:
        parts.append("Their reach is unknown (no follower counts).")
    factors = aggravating_factors(signal)
    if severity is not None and factors:
        parts.append(f"Severity {severity} because {' and '.join(factors)}.")
    if signal.examples:
        shown = "; ".join(
            f"@{example.author or '?'} ({_followers(example.followers)}): “{example.text}”"
            for example in signal.examples[:3]
        )
        parts.append(f"Read first: {shown}.")
    if signal.example_ids:
        parts.append(f"Examples: {', '.join(signal.example_ids)}.")
    return " ".join(parts)


def _followers(count: int | None) -> str:
    return "followers unknown" if count is None else f"{count:,} followers"


def crisis_key(brand: str, at: datetime) -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", brand.replace("ł", "l").replace("Ł", "L"))
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "brand"
    return f"{slug}-{at:%Y%m%dT%H%M}"
