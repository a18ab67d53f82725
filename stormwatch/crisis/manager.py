"""Turning signals into crises: open one, raise or lower its severity, close it after calm.

Pure state, no I/O: the pipeline persists and alerts on the updates it returns.

**One crisis per matter.** A brand's crisis is its matter: the stories, waves and re-ignitions of
the same matter join it as stories inside it, so a team gets one crisis and a page when it grows,
not twenty. Signals that carry no story (a surge, trigger terms, unanswered customers) join the
brand's most recently active crisis of the same cause, else its most recent one. A signal with a
story joins the crisis that already follows that story, or that shares its terms or its kind of
matter; a story that is clearly another matter (no shared terms, and a hijacked account on one side
only, e.g. a takeover during a customer-service storm) opens a crisis of its own. A crisis closed as
calm less than :data:`REOPEN_WITHIN` ago is *reopened* by the next wave of its matter, at that
wave's severity, instead of a new crisis being opened; ``crisis merge|split`` mend what the rule
gets wrong.

**Severity** follows :func:`stormwatch.crisis.severity.severity_of`. A crisis escalates as soon as a
signal reaches a higher level; it de-escalates one level at a time when no signal has supported its
level for :data:`DE_ESCALATE_AFTER`, and closes after :data:`CALM_AFTER` without any signal.

**Holes are not calm.** Hours inside a coverage gap (:mod:`stormwatch.detection.gaps`) of the
brand's stream count neither towards de-escalation nor towards closing: nobody saw those hours.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from stormwatch.analysis.models import Cause
from stormwatch.crisis.severity import severity_of, why
from stormwatch.crisis.update import CrisisUpdate, UpdateKind
from stormwatch.detection.gaps import CoverageGap
from stormwatch.detection.signal import Signal

CALM_AFTER = timedelta(hours=6)
DE_ESCALATE_AFTER = timedelta(hours=2)
# A wave this soon after its crisis closed as calm is that crisis coming back, not a new matter:
# a storm's next day (the hearing, the apology, the satire) often follows a quiet night.
REOPEN_WITHIN = timedelta(days=2)
GAP_NOTE_WITHIN = timedelta(hours=3)  # a signal this soon after a coverage gap says so
GAP_MEMORY = timedelta(hours=24)  # ...naming the brand's other gaps of the day before it too

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
    uncovered: timedelta = timedelta(0)  # coverage gaps since the last signal: not calm
    closed_at: datetime | None = None  # when it closed as calm (kept a while to be reopened)


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
        self.recently_closed: dict[str, OpenCrisis] = {}  # closed as calm, reopened by a new wave
        self.last_joined: str | None = None  # key of the crisis the last signal joined
        self.gaps: dict[str, list[CoverageGap]] = {}  # each brand's coverage gaps of the last day

    def restore(self, crises: list[OpenCrisis]) -> None:
        """Take back the open crises after a restart."""
        self.crises = {crisis.key: crisis for crisis in crises}

    def keep_only(self, keys: set[str]) -> None:
        """Drop the crises people closed elsewhere (resolved, merged), so new signals do not join them."""
        self.crises = {key: crisis for key, crisis in self.crises.items() if key in keys}
        # Crises closed here as calm are stored as resolved too; they stay reopenable for a while.

    def on_gap(self, gap: CoverageGap) -> None:
        """A hole in the brand's collection: its hours are not calm for the brand's crises."""
        recent = [g for g in self.gaps.get(gap.brand, []) if gap.end - g.end <= GAP_MEMORY]
        self.gaps[gap.brand] = [*recent, gap]
        for crisis in [c for c in self.crises.values() if c.brand == gap.brand]:
            hole = gap.end - max(gap.start, crisis.last_signal_at)
            if hole > timedelta(0):
                self.crises[crisis.key] = replace(crisis, uncovered=crisis.uncovered + hole)

    def on_signal(self, signal: Signal) -> CrisisUpdate | None:
        severity = severity_of(signal)
        current = self._crisis_for(signal)
        if current is None:
            closed = self._closed_crisis_for(signal)
            if closed is not None:
                return self._reopen(closed, signal, severity)
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
            return self._update("opened", crisis, signal, self.explain(signal, severity))
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
            uncovered=timedelta(0),
        )
        self.crises[crisis.key] = crisis
        self.last_joined = crisis.key
        if not raised:
            return None
        reason = f"Escalated from severity {current.severity} to {severity}. {self.explain(signal, severity)}"
        return self._update("escalated", crisis, signal, reason)

    def on_time(self, brand: str, now: datetime) -> CrisisUpdate | None:
        """Close a crisis of the brand after calm, or lower its severity when its level is no longer
        supported; at most one change per call (the next mention brings the next)."""
        self._forget_closed(now)
        for crisis in [c for c in self.crises.values() if c.brand == brand]:
            if now - crisis.last_signal_at - crisis.uncovered >= self.calm_after:
                del self.crises[crisis.key]
                self.recently_closed[crisis.key] = replace(crisis, closed_at=now)
                hours = self.calm_after.total_seconds() / 3600
                reason = f"No new warning signs for {hours:g} hours; closed as calm."
                return self._update("closed", crisis, None, reason, at=now)
            supported = crisis.level_supported_at or crisis.last_signal_at
            if crisis.severity > 1 and now - supported - crisis.uncovered >= self.de_escalate_after:
                lowered = replace(crisis, severity=crisis.severity - 1, level_supported_at=now)
                self.crises[crisis.key] = lowered
                minutes = int(self.de_escalate_after.total_seconds() // 60)
                reason = (
                    f"De-escalated from severity {crisis.severity} to {lowered.severity}: no warning sign "
                    f"at level {crisis.severity} for {minutes} minutes."
                )
                return self._update("deescalated", lowered, None, reason, at=now)
        return None

    def explain(self, signal: Signal, severity: int) -> str:
        """:func:`explain`, naming a coverage gap of the brand that ended shortly before."""
        gaps = self.gaps.get(signal.brand, [])
        recent = bool(gaps) and timedelta(0) <= signal.at - gaps[-1].end <= GAP_NOTE_WITHIN
        return explain(
            signal, severity, [g for g in gaps if signal.at - g.end <= GAP_MEMORY] if recent else ()
        )

    def _reopen(self, closed: OpenCrisis, signal: Signal, severity: int) -> CrisisUpdate:
        del self.recently_closed[closed.key]
        crisis = replace(
            closed,
            severity=severity,
            cause=closed.cause or signal.cause,
            last_signal_at=signal.at,
            stories=closed.stories
            + ((signal.story,) if signal.story and signal.story not in closed.stories else ()),
            terms=closed.terms or signal.terms,
            level_supported_at=signal.at,
            uncovered=timedelta(0),
            closed_at=None,
        )
        self.crises[crisis.key] = crisis
        self.last_joined = crisis.key
        assert closed.closed_at is not None
        quiet = _duration(signal.at - closed.closed_at + self.calm_after)
        reason = f"A new wave after {quiet} of calm; reopened at severity {severity}. {self.explain(signal, severity)}"
        return self._update("reopened", crisis, signal, reason)

    def _closed_crisis_for(self, signal: Signal) -> OpenCrisis | None:
        """The brand's recently closed crisis this signal's matter belongs to, if any."""
        self._forget_closed(signal.at)
        mine = [crisis for crisis in self.recently_closed.values() if crisis.brand == signal.brand]
        return self._matching(signal, mine)

    def _forget_closed(self, now: datetime) -> None:
        self.recently_closed = {
            key: crisis
            for key, crisis in self.recently_closed.items()
            if crisis.closed_at is not None and now - crisis.closed_at < REOPEN_WITHIN
        }

    def _crisis_for(self, signal: Signal) -> OpenCrisis | None:
        return self._matching(
            signal, [crisis for crisis in self.crises.values() if crisis.brand == signal.brand]
        )

    def _matching(self, signal: Signal, mine: list[OpenCrisis]) -> OpenCrisis | None:
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


def explain(signal: Signal, severity: int | None = None, gaps: Sequence[CoverageGap] = ()) -> str:
    """The reason a PR person reads: what rose against what is usual, what it is about, how far it
    reaches, why it is this serious, and which posts to read first; and, right after a hole in the
    collection, that the hole was no calm."""
    parts = [signal.summary]
    if gaps:
        expected = sum(gap.expected for gap in gaps)
        parts.append(
            f"The collection had {' and '.join(gap.describe() for gap in gaps)}, where about "
            f"{expected:,.0f} posts were expected; those hours are left out of the usual level, and the "
            "posts since are judged against the usual rate."
        )
    if signal.terms and signal.kind not in ("story", "trigger_terms"):
        parts.append(f"Key words: {', '.join(signal.terms)}.")
    if signal.cause:
        parts.append(f"Most of it is about {CAUSE_WORDS[signal.cause]}.")
    if signal.reach:
        parts.append(f"These posts reach {signal.reach:,} followers.")
    elif signal.reach is None:
        parts.append("Their reach is unknown (no follower counts).")
    if severity is not None:
        parts.append(why(signal, severity))
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
    """None, or the 0 that some sources send: unknown, not nobody."""
    return f"{count:,} followers" if count else "followers unknown"


def _duration(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def crisis_key(brand: str, at: datetime) -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", brand.replace("ł", "l").replace("Ł", "L"))
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "brand"
    return f"{slug}-{at:%Y%m%dT%H%M}"
