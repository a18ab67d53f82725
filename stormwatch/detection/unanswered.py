"""Unanswered customers: questions and complaints addressed to the brand that nobody answers.

A post is *addressed to the brand* when it names one of the brand's own handles or replies to a
post of one. A negative one, or one that asks something, waits for a reply from an own handle
(``reply_to`` pointing at it). When ``BrandConfig.reply_sla_minutes`` pass without one, it counts
as unanswered at that moment.

Many brands never answer most posts, so what matters is a rise: unanswered customers in the last
hour far above what this brand usually leaves unanswered at this hour (its own
:class:`~stormwatch.detection.baseline.RhythmBaseline`). Long waits are a crisis cause of their own
(``customer_service``), and they pile up exactly when a firestorm swamps the team.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.audience import audience_of
from stormwatch.detection.baseline import MoodGauge, RhythmBaseline, poisson_tail
from stormwatch.detection.evidence import examples_of, minutes, reach_of, top_by_reach
from stormwatch.detection.gaps import CoverageGap
from stormwatch.detection.signal import Signal

WINDOW = timedelta(hours=1)
REPEAT_AFTER = timedelta(minutes=30)
MIN_COMPLAINT_SHARE = 0.6
BUZZ_WINDOW = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class UnansweredRule:
    min_unanswered: int = 10
    min_ratio: float = 4.0
    max_tail_probability: float = 1e-6
    # How many customers wait unanswered swings with the team's shifts and the day's traffic far
    # more than a Poisson count would: the rise must also be surprising for this brand's own noise.
    min_z: float = 5.5
    warmup_hours: int = 24


class UnansweredDetector:
    kind = "unanswered_customers"

    def __init__(
        self,
        brand: str,
        own_handles: list[str],
        sla_minutes: int,
        rule: UnansweredRule | None = None,
    ) -> None:
        self.brand = brand
        self.handles = {handle.lower().lstrip("@") for handle in own_handles}
        self._tags = tuple(f"@{handle}" for handle in self.handles)  # how a post names the brand
        self.sla = timedelta(minutes=sla_minutes)
        self.rule = rule or UnansweredRule()
        self.baseline = RhythmBaseline(prior=0.5)
        self._own_posts: set[str] = set()  # ids of the brand's posts (replies to them are addressed to it)
        self._own_order: deque[tuple[datetime, str]] = deque()
        self._waiting: OrderedDict[str, EnrichedMention] = OrderedDict()
        self._unanswered: deque[EnrichedMention] = deque()
        self._last_signal_at: datetime | None = None
        # Posts addressed to the brand lately and the usual numbers of negative and positive ones:
        # a wave of praise (with its misread posts) is buzz, not a service failure.
        self._mood = MoodGauge(BUZZ_WINDOW)

    def on_gap(self, gap: CoverageGap) -> None:
        """Skip a coverage gap: nobody could answer (or be seen answering) in a hole, so whoever
        waited before it is no evidence of customers left waiting."""
        self._waiting.clear()
        if self.baseline.current_hour is not None:
            self.baseline.advance(gap.start)
            self.baseline.skip_to(gap.end)

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        post = mention.mention
        at = post.created_at
        author = (post.author or "").lower().lstrip("@")
        if author in self.handles:
            self._remember_own(post.external_id, at)
            if post.reply_to is not None:
                self._waiting.pop(post.reply_to, None)
        elif self._addressed(mention):
            self._mood.observe(at, mention.judgement.sentiment)
            if _wants_an_answer(mention):
                self._waiting[post.external_id] = mention
        self._expire(at)
        return self._evaluate(at)

    def _addressed(self, mention: EnrichedMention) -> bool:
        post = mention.mention
        if post.reply_to is not None and post.reply_to in self._own_posts:
            return True
        if "@" not in post.text:
            return False  # most posts name no account at all: skip lower-casing them
        text = post.text.lower()
        return any(tag in text for tag in self._tags)

    def _remember_own(self, post_id: str, at: datetime) -> None:
        self._own_posts.add(post_id)
        self._own_order.append((at, post_id))
        while self._own_order and self._own_order[0][0] < at - timedelta(days=7):
            self._own_posts.discard(self._own_order.popleft()[1])

    def _expire(self, at: datetime) -> None:
        self.baseline.advance(at)
        answer_due_before = at - self.sla  # posts older than this are past their SLA
        while self._waiting:
            first = next(iter(self._waiting.values()))
            if first.mention.created_at > answer_due_before:
                break
            self._waiting.popitem(last=False)
            if first.is_negative:  # unanswered complaints make the crisis; questions only wait
                self.baseline.add(first.mention.created_at + self.sla)
                self._unanswered.append(first)
        # An unanswered post counts for WINDOW after its SLA ran out.
        counted_after = answer_due_before - WINDOW
        while self._unanswered and self._unanswered[0].mention.created_at <= counted_after:
            self._unanswered.popleft()

    def _evaluate(self, at: datetime) -> list[Signal]:
        rule = self.rule
        observed = len(self._unanswered)
        if observed < rule.min_unanswered or self.baseline.history_hours < rule.warmup_hours:
            return []
        if self._last_signal_at is not None and at - self._last_signal_at < REPEAT_AFTER:
            return []
        expected, z = self.baseline.surprise(observed, at - WINDOW, at)
        if (
            observed < rule.min_ratio * expected
            or z < rule.min_z
            or poisson_tail(observed, expected) > rule.max_tail_probability
        ):
            return []
        if self._mood.is_buzz(at):
            return []
        posts = list(self._unanswered)
        if sum(m.is_negative for m in posts) < MIN_COMPLAINT_SHARE * observed:
            return []  # mostly questions: a busy day for the help desk, not a crisis
        self._last_signal_at = at
        sla = minutes(self.sla)
        return [
            Signal(
                brand=self.brand,
                kind=self.kind,
                at=at,
                observed=observed,
                expected=expected,
                window=WINDOW,
                cause="customer_service",
                reach=reach_of(posts),
                example_ids=tuple(m.mention.external_id for m in top_by_reach(posts)),
                summary=(
                    f"{observed} customers who asked or complained to {self.brand} got no answer within "
                    f"{sla} in the last {minutes(WINDOW)}, {observed / expected:.1f}× the usual "
                    f"{expected:.1f}."
                ),
                examples=examples_of(posts),
                negative_share=sum(m.is_negative for m in posts) / len(posts),
                evidence={"reply_sla_minutes": int(self.sla.total_seconds() // 60)},
                audience=audience_of(posts, None),  # addressed to the brand: about it by definition
            )
        ]


def _wants_an_answer(mention: EnrichedMention) -> bool:
    """A complaint, or a question that is not praise ("love it! where can I buy more?")."""
    if mention.is_negative:
        return True
    return "?" in mention.mention.text and mention.judgement.sentiment != "positive"
