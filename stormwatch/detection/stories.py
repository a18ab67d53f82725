"""Stories: many people posting the same negative thing about a brand, fast.

Two ways a story shows:

* **copies** — near-duplicate groups from :mod:`stormwatch.analysis.near_duplicates` (copy-paste
  campaigns, retweets, one video shared by many) growing among negative posts from distinct authors;
* **shared words** — negative posts from distinct authors suddenly using the same unusual words
  (the brand's usual vocabulary is learnt, so "flight" for an airline is not news but "refund"
  ten times in half an hour is).

Either way the signal says what the story is: its key terms and its widest-reaching posts.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.audience import Relevance, audience_of
from stormwatch.detection.baseline import MoodGauge, poisson_tail
from stormwatch.detection.evidence import (
    content_terms,
    dominant_cause,
    examples_of,
    minutes,
    reach_of,
    top_by_reach,
)
from stormwatch.detection.gaps import CoverageGap
from stormwatch.detection.signal import Signal

REPEAT_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class StoryRule:
    window: timedelta = timedelta(minutes=30)
    min_copy_authors: int = 6  # distinct authors posting copies of one negative text
    min_negative_share: float = 0.6  # of the group's posts in the window
    min_term_authors: int = 8  # distinct authors of negative posts sharing a term
    term_ratio: float = 8.0
    max_term_tail: float = 1e-8
    term_history_hours: int = 24


class StoryDetector:
    kind = "story"

    def __init__(self, brand: str, rule: StoryRule | None = None, handles: tuple[str, ...] = ()) -> None:
        self.brand = brand
        self.rule = rule or StoryRule()
        self.relevance = Relevance(brand, handles)
        self._groups: dict[str, deque[EnrichedMention]] = {}
        self._recent: deque[tuple[EnrichedMention, frozenset[str]]] = deque()
        self._term_posts: Counter[str] = Counter()  # term -> negative posts in the window
        self._term_history: Counter[str] = Counter()  # term -> negative posts ever seen
        self._first_at: datetime | None = None
        self._last_signal_at: dict[str, datetime] = {}
        self._story_terms: dict[str, tuple[str, ...]] = {}
        self._mood = MoodGauge(self.rule.window)

    def on_gap(self, gap: CoverageGap) -> None:
        """A coverage gap is no history: the words' usual rates are per window actually seen."""
        if self._first_at is not None:
            self._first_at += gap.end - gap.start

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if self.relevance.is_own(mention.mention.author):
            return []  # the brand speaking is no evidence against it
        at = mention.mention.created_at
        if self._first_at is None:
            self._first_at = at
        self._forget(at)
        if mention.duplicate_group in (None, mention.mention.external_id):
            # Copies count once in the mood: a praise spike may carry many copies of one misread post.
            self._mood.observe(at, mention.judgement.sentiment)
        signals: list[Signal] = []
        if mention.duplicate_group is not None:
            signal = self._copies(mention)
            if signal is not None:
                signals.append(signal)
        if mention.is_negative:
            terms = frozenset(content_terms(mention.mention.text))
            self._recent.append((mention, terms))
            self._term_posts.update(terms)
            signal = self._shared_words(at, terms)
            self._term_history.update(terms)
            if signal is not None and not signals:
                signals.append(signal)
        return signals

    def _copies(self, mention: EnrichedMention) -> Signal | None:
        assert mention.duplicate_group is not None
        group = self._groups.get(mention.duplicate_group)
        if group is None:  # most posts start a group of their own
            group = self._groups[mention.duplicate_group] = deque()
        group.append(mention)
        at = mention.mention.created_at
        cutoff = at - self.rule.window
        while group[0].mention.created_at <= cutoff:  # never empties: the newest post is at ``at``
            group.popleft()
        if len(group) < self.rule.min_copy_authors:
            return None
        authors = {m.mention.author for m in group}
        negatives = [m for m in group if m.is_negative]
        if len(authors) < self.rule.min_copy_authors or len(negatives) < self.rule.min_negative_share * len(
            group
        ):
            return None
        story = f"copies:{mention.duplicate_group}"
        if self._mood.is_buzz(at) or not self._may_repeat(story, at):
            return None
        terms = self._story_terms.get(story) or self._key_terms(
            [content_terms(m.mention.text) for m in negatives]
        )
        self._story_terms[story] = terms
        return self._signal(
            story,
            at,
            negatives,
            terms,
            f"{len(authors)} accounts posted copies of the same negative post about {self.brand} in the "
            f"last {minutes(self.rule.window)}: “{_quote(top_by_reach(negatives, 1)[0])}”.",
        )

    def _shared_words(self, at: datetime, terms: frozenset[str]) -> Signal | None:
        rule = self.rule
        assert self._first_at is not None
        history_hours = (at - self._first_at).total_seconds() / 3600
        if history_hours < rule.term_history_hours or not terms:
            return None
        windows_seen = history_hours / (rule.window.total_seconds() / 3600)
        bursting = []
        for term in terms:
            count = self._term_posts[term]
            if count < rule.min_term_authors:
                continue
            expected = max(self._term_history[term] / windows_seen, 0.05)
            if count >= rule.term_ratio * expected and poisson_tail(count, expected) <= rule.max_term_tail:
                bursting.append((count, term))
        if not bursting:
            return None
        _, top = max(bursting)
        with_top = [(m, post_terms) for m, post_terms in self._recent if top in post_terms]
        posts = [m for m, _ in with_top]
        authors = {m.mention.author for m in posts}
        if len(authors) < rule.min_term_authors:
            return None
        story = f"terms:{top}"
        if self._mood.is_buzz(at) or not self._may_repeat(story, at):
            return None
        terms_of_story = self._key_terms([post_terms for _, post_terms in with_top], must_have=top)
        return self._signal(
            story,
            at,
            posts,
            terms_of_story,
            f"{len(authors)} people posted negatively about {self.brand} using the same words in the "
            f"last {minutes(rule.window)}: {', '.join(terms_of_story)}.",
        )

    def _key_terms(
        self, posts_terms: Sequence[AbstractSet[str]], must_have: str | None = None
    ) -> tuple[str, ...]:
        """Words most of the story's posts (given by their content terms) share and the brand's usual
        negative posts do not."""
        counted: Counter[str] = Counter()
        for post_terms in posts_terms:
            counted.update(post_terms)
        total = sum(self._term_history.values()) + 1
        # Ties go alphabetically: set order changes with each process's string hashing, and the
        # terms decide which crisis a later signal joins, so the same stream must give the same terms.
        scored = sorted(
            counted,
            key=lambda term: (-counted[term] * math.log(total / (1 + self._term_history[term])), term),
        )
        terms = [term for term in scored if counted[term] >= max(2, len(posts_terms) // 3)][:5]
        if must_have is not None and must_have not in terms:
            terms = [must_have, *terms[:4]]
        return tuple(terms)

    def _forget(self, at: datetime) -> None:
        cutoff = at - self.rule.window
        term_posts = self._term_posts
        while self._recent and self._recent[0][0].mention.created_at <= cutoff:
            _, terms = self._recent.popleft()
            for term in terms:  # Counter.subtract does the same through more layers
                term_posts[term] -= 1
        if len(self._groups) > 5000:  # drop groups that went quiet
            self._groups = {
                key: group
                for key, group in self._groups.items()
                if group and group[-1].mention.created_at > cutoff
            }

    def _may_repeat(self, story: str, at: datetime) -> bool:
        last = self._last_signal_at.get(story)
        if last is not None and at - last < REPEAT_AFTER:
            return False
        self._last_signal_at[story] = at
        return True

    def _signal(
        self, story: str, at: datetime, posts: list[EnrichedMention], terms: tuple[str, ...], summary: str
    ) -> Signal:
        return Signal(
            brand=self.brand,
            kind=self.kind,
            at=at,
            observed=len({m.mention.author for m in posts}),
            expected=0.0,
            window=self.rule.window,
            cause=dominant_cause(m.judgement.cause for m in posts),
            reach=reach_of(posts),
            example_ids=tuple(m.mention.external_id for m in top_by_reach(posts)),
            summary=summary,
            terms=terms,
            story=story,
            examples=examples_of(posts),
            negative_share=sum(m.is_negative for m in posts) / len(posts),
            evidence={"posts_in_story": len(posts)},
            audience=audience_of(posts, self.relevance),
        )


def _quote(mention: EnrichedMention, chars: int = 100) -> str:
    text = " ".join(mention.mention.text.split())
    return text if len(text) <= chars else text[: chars - 1] + "…"
