"""Detectors: each watches one brand's enriched stream in event time and emits signals.

A detector is fed every mention of its brand in order and answers with the signals that mention
triggered (usually none). Rules of thumb that apply to all of them:

* only negative mentions can raise an alarm, so a spike of praise is buzz, not a crisis;
* a detector repeats itself at most every :data:`REPEAT_AFTER` while its condition holds, so the
  crisis manager sees the situation evolve without being flooded.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from stormwatch.analysis.models import Cause
from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.baseline import HourlyBaseline, poisson_tail
from stormwatch.detection.models import Signal
from stormwatch.workspace.config import BrandConfig

REPEAT_AFTER = timedelta(minutes=10)


class Detector(Protocol):
    def observe(self, mention: EnrichedMention) -> list[Signal]: ...


@dataclass(frozen=True, slots=True)
class _WindowEntry:
    at: datetime
    negative: bool
    followers: int
    mention_id: str
    cause: Cause | None


@dataclass(frozen=True, slots=True)
class SurgeRule:
    window: timedelta = timedelta(minutes=30)
    min_negatives: int = 6
    min_ratio: float = 3.0
    max_tail_probability: float = 1e-6  # evaluated on every negative post: many looks, so a strict level
    min_negative_share: float = 0.3
    warmup_hours: int = 3


class NegativeSurgeDetector:
    """Negative mentions far above what this brand usually gets at this hour."""

    kind = "negative_surge"

    def __init__(self, brand: str, rule: SurgeRule | None = None) -> None:
        self.brand = brand
        self.rule = rule or SurgeRule()
        self.negatives = HourlyBaseline()
        self.everything = HourlyBaseline()
        self._window: deque[_WindowEntry] = deque()
        self._negatives_in_window = 0
        self._last_signal_at: datetime | None = None

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        at = mention.mention.created_at
        self.everything.add(at)
        self.negatives.advance(at)
        if mention.is_negative:
            self.negatives.add(at)
        self._slide(at, mention)
        if not mention.is_negative or not self._may_repeat(at):
            return []
        signal = self._evaluate(at)
        if signal is not None:
            self._last_signal_at = at
            return [signal]
        return []

    def _slide(self, at: datetime, mention: EnrichedMention) -> None:
        self._window.append(
            _WindowEntry(
                at,
                mention.is_negative,
                mention.mention.author_followers,
                mention.mention.external_id,
                mention.judgement.cause,
            )
        )
        self._negatives_in_window += mention.is_negative
        cutoff = at - self.rule.window
        while self._window and self._window[0].at <= cutoff:
            self._negatives_in_window -= self._window.popleft().negative

    def _may_repeat(self, at: datetime) -> bool:
        return self._last_signal_at is None or at - self._last_signal_at >= REPEAT_AFTER

    def _evaluate(self, at: datetime) -> Signal | None:
        rule = self.rule
        observed = self._negatives_in_window
        if observed < rule.min_negatives or self.negatives.history_hours < rule.warmup_hours:
            return None
        hours = rule.window.total_seconds() / 3600
        expected = self.negatives.expected_per_hour(at) * hours
        if (
            observed < rule.min_ratio * expected
            or poisson_tail(observed, expected) > rule.max_tail_probability
        ):
            return None
        share = observed / len(self._window)
        usual_share = self.negatives.expected_per_hour(at) / self.everything.expected_per_hour(at)
        if share < max(rule.min_negative_share, 0.9 * min(usual_share, 1.0)):
            return None
        negatives = [entry for entry in self._window if entry.negative]
        return Signal(
            brand=self.brand,
            kind=self.kind,
            at=at,
            observed=observed,
            expected=expected,
            window=rule.window,
            cause=_dominant_cause(entry.cause for entry in negatives),
            reach=sum(entry.followers for entry in negatives),
            example_ids=_top_by_reach(negatives),
            summary=(
                f"Negative mentions of {self.brand} rose to {observed} in the last "
                f"{_minutes(rule.window)}, {observed / expected:.1f}× the usual {expected:.1f} "
                f"for this time of day; {share:.0%} of all mentions are negative."
            ),
        )


class TriggerTermDetector:
    """Negative mentions using words the brand fears most ("boycott", "wyciek danych"...)."""

    kind = "trigger_terms"

    def __init__(
        self,
        brand: str,
        terms: Iterable[str],
        *,
        window: timedelta = timedelta(hours=1),
        min_mentions: int = 3,
    ) -> None:
        self.brand = brand
        self.terms = tuple(sorted({_fold(term) for term in terms if term.strip()}))
        self.window = window
        self.min_mentions = min_mentions
        self._hits: deque[tuple[_WindowEntry, str]] = deque()
        self._last_signal_at: datetime | None = None

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if not self.terms or not mention.is_negative:
            return []
        text = _fold(mention.mention.text)
        found = [term for term in self.terms if term in text]
        if not found:
            return []
        at = mention.mention.created_at
        entry = _WindowEntry(
            at, True, mention.mention.author_followers, mention.mention.external_id, mention.judgement.cause
        )
        self._hits.extend((entry, term) for term in found)
        while self._hits and self._hits[0][0].at <= at - self.window:
            self._hits.popleft()
        posts = {hit.mention_id: hit for hit, _ in self._hits}
        if len(posts) < self.min_mentions:
            return []
        if self._last_signal_at is not None and at - self._last_signal_at < REPEAT_AFTER:
            return []
        self._last_signal_at = at
        terms = tuple(term for term, _ in Counter(term for _, term in self._hits).most_common(5))
        return [
            Signal(
                brand=self.brand,
                kind=self.kind,
                at=at,
                observed=len(posts),
                expected=0.0,
                window=self.window,
                cause=_dominant_cause(hit.cause for hit in posts.values()),
                reach=sum(hit.followers for hit in posts.values()),
                example_ids=_top_by_reach(list(posts.values())),
                summary=(
                    f"{len(posts)} negative mentions of {self.brand} in the last {_minutes(self.window)} "
                    f"use trigger terms: {', '.join(repr(term) for term in terms)}."
                ),
                terms=terms,
            )
        ]


def detectors_for(brand: BrandConfig) -> list[Detector]:
    return [NegativeSurgeDetector(brand.name), TriggerTermDetector(brand.name, brand.trigger_terms)]


def _fold(text: str) -> str:
    """Lower case without diacritics, so "wyciek danych" also matches "WYCIEK DANYCH" and "wyciek dañych"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _dominant_cause(causes: Iterable[Cause | None]) -> Cause | None:
    counted = Counter(cause for cause in causes if cause is not None)
    return counted.most_common(1)[0][0] if counted else None


def _top_by_reach(entries: list[_WindowEntry], count: int = 3) -> tuple[str, ...]:
    ranked = sorted(entries, key=lambda entry: (-entry.followers, entry.at))
    return tuple(entry.mention_id for entry in ranked[:count])


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return (
        f"{minutes // 60} hour" + ("s" if minutes >= 120 else "")
        if minutes % 60 == 0
        else f"{minutes} minutes"
    )
