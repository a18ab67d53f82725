"""Detectors: each watches one brand's enriched stream in event time and emits signals.

A detector is fed every mention of its brand in order and answers with the signals that mention
triggered (usually none). Its state is built from the stream alone, so replaying the recent stored
history rebuilds it after a restart. Rules of thumb that apply to all of them:

* only negative posts (or the brand's own account acting oddly) can raise an alarm, so a spike of
  praise is buzz, not a crisis;
* a detector repeats itself at most every few minutes while its condition holds, so the crisis
  manager sees the situation evolve without being flooded.

The detectors: :mod:`~stormwatch.detection.surges` (volume, negative volume, negative share,
negative reach), :mod:`~stormwatch.detection.stories` (copies and shared words),
:class:`TriggerTermDetector` (below), :mod:`~stormwatch.detection.takeover` (own accounts acting
unlike themselves) and :mod:`~stormwatch.detection.unanswered` (customers left waiting).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.audience import Relevance, audience_of
from stormwatch.detection.evidence import dominant_cause, examples_of, fold, minutes, reach_of, top_by_reach
from stormwatch.detection.signal import Signal
from stormwatch.detection.stories import StoryDetector
from stormwatch.detection.surges import SurgeDetector
from stormwatch.detection.takeover import AccountTakeoverDetector
from stormwatch.detection.unanswered import UnansweredDetector
from stormwatch.workspace.config import BrandConfig

REPEAT_AFTER = timedelta(minutes=10)


class Detector(Protocol):
    def observe(self, mention: EnrichedMention) -> list[Signal]: ...


class TriggerTermDetector:
    """Negative mentions using words the brand fears most, in any language ("boycott", "bojkot",
    "hacked", "wyciek danych", "pozew"...).

    Terms and texts are compared folded (lower case, no diacritics, "ł" as "l") and as word
    prefixes, so "bojkot" also finds "Bojkotujcie" and "wyciek danych" finds "WYCIEK DANYCH".
    """

    kind = "trigger_terms"

    def __init__(
        self,
        brand: str,
        terms: Iterable[str],
        *,
        handles: Iterable[str] = (),
        window: timedelta = timedelta(hours=1),
        min_mentions: int = 3,
    ) -> None:
        self.brand = brand
        self.terms = tuple(sorted({fold(term).strip() for term in terms if term.strip()}))
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(term) for term in self.terms) + ")")
            if self.terms
            else None
        )
        self.window = window
        self.min_mentions = min_mentions
        self.relevance = Relevance(brand, handles)
        self._hits: deque[tuple[EnrichedMention, tuple[str, ...]]] = deque()
        self._last_signal_at: datetime | None = None

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if self.relevance.is_own(mention.mention.author):
            return []  # the brand speaking is no evidence against it
        if self._pattern is None or not mention.is_negative:
            return []
        found = tuple(sorted(set(self._pattern.findall(fold(mention.mention.text)))))
        if not found:
            return []
        at = mention.mention.created_at
        self._hits.append((mention, found))
        while self._hits and self._hits[0][0].mention.created_at <= at - self.window:
            self._hits.popleft()
        posts = [hit for hit, _ in self._hits]
        if len(posts) < self.min_mentions:
            return []
        if self._last_signal_at is not None and at - self._last_signal_at < REPEAT_AFTER:
            return []
        self._last_signal_at = at
        counted = Counter(term for _, terms in self._hits for term in terms)
        terms = tuple(term for term, _ in counted.most_common(5))
        return [
            Signal(
                brand=self.brand,
                kind=self.kind,
                at=at,
                observed=len(posts),
                expected=0.0,
                window=self.window,
                cause=dominant_cause(m.judgement.cause for m in posts),
                reach=reach_of(posts),
                example_ids=tuple(m.mention.external_id for m in top_by_reach(posts)),
                summary=(
                    f"{len(posts)} negative mentions of {self.brand} in the last {minutes(self.window)} "
                    f"use trigger terms: {', '.join(repr(term) for term in terms)}."
                ),
                terms=terms,
                examples=examples_of(posts),
                negative_share=1.0,
                audience=audience_of(posts, self.relevance),
            )
        ]


NegativeSurgeDetector = SurgeDetector  # the name the first version had


def detectors_for(brand: BrandConfig) -> list[Detector]:
    detectors: list[Detector] = [
        SurgeDetector(brand.name, handles=tuple(brand.own_handles)),
        StoryDetector(brand.name, handles=tuple(brand.own_handles)),
        TriggerTermDetector(brand.name, brand.trigger_terms, handles=brand.own_handles),
    ]
    if brand.own_handles:
        detectors.append(AccountTakeoverDetector(brand.name, brand.own_handles))
        detectors.append(UnansweredDetector(brand.name, brand.own_handles, brand.reply_sla_minutes))
    return detectors
