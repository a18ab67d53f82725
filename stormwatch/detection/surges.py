"""Surges: a brand's volume, negative volume, negative share and negative reach against its rhythm.

One :class:`SurgeDetector` per brand keeps sliding windows of 10 minutes, 30 minutes, 1 and 3 hours
and :class:`~stormwatch.detection.baseline.RhythmBaseline` streams (all mentions, negative,
positive, negative reach, and the posts and complaints of *newcomers*: authors with no post about
the brand in the last week). It is evaluated on every negative post; the shortest window in which a
test passes fires, so a sharp firestorm is seen within minutes and a slow one within the hour.

Every test demands three things at once: a large ratio to the usual level, a count that is
surprising even for this brand's noise (a gamma-Poisson z-score and tail, or a Poisson tail),
and a surge made of negative posts read with conviction. The last one is why a spike of praise is
buzz, not a crisis: its excess is positive, or negative only in faint misreads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.audience import Relevance, audience_of
from stormwatch.detection.baseline import (
    HOUR,
    MIN_PRAISE_EXCESS,
    PRAISE_TO_CRITICISM,
    RhythmBaseline,
    binomial_tail,
    negative_binomial_tail,
    poisson_tail,
)
from stormwatch.detection.evidence import dominant_cause, examples_of, minutes, reach_of, top_by_reach
from stormwatch.detection.gaps import CoverageGap
from stormwatch.detection.signal import Signal

REPEAT_AFTER = timedelta(minutes=10)
# Short windows see sharp storms within minutes; the three-hour one sees slow burns at small brands.
WINDOWS = (timedelta(minutes=10), timedelta(minutes=30), timedelta(minutes=60), timedelta(hours=3))
LARGE_ACCOUNT = 100_000
TYPICAL_WEIGHT = 3.0  # reach weight of an account with 1,000 followers
# Praise guard: a rise with at least PRAISE_TO_CRITICISM extra positives per extra negative, and
# some posts clearly read as praise, is buzz.
SURE_PRAISE_SCORE = 0.5  # sentiment_score of a post the model clearly reads as praise
MIN_SURE_PRAISE = 2
# Newcomers: authors with no post about the brand in the last week. A firestorm draws a crowd that
# does not usually talk about the brand; ordinary days are mostly its regular audience. A week is
# also what a restart replays, so the rebuilt state knows the same authors.
NEWCOMER_MEMORY = timedelta(days=7)
CLEAR_NEGATIVE_SCORE = -0.5  # a negative post read at least this strongly counts fully as conviction


def conviction(mention: EnrichedMention) -> float:
    """How firmly the model reads a negative post as negative: 1 from CLEAR_NEGATIVE_SCORE down,
    falling to 0 for a score near zero (the fast tier's misreads of praise are faint)."""
    return min(1.0, max(0.0, mention.judgement.sentiment_score / CLEAR_NEGATIVE_SCORE))


def reach_weight(followers: int | None) -> float:
    """A post's weight in reach-weighted negativity: 1 for an account nobody follows (or whose
    followers are unknown), 7 for ten million."""
    return math.log10(10 + (followers or 0))


@dataclass(frozen=True, slots=True)
class SurgeRule:
    min_negatives: tuple[int, ...] = (5, 5, 9, 12)  # per window in WINDOWS
    # A brand's first day: the usual count of an hour it has not seen yet is a guess from the hours
    # it has (its first morning rise is not a storm), so the 30-minute window asks for more posts.
    first_day_min_negatives: tuple[int, ...] = (5, 7, 9, 12)
    min_ratio: tuple[float, ...] = (4.0, 3.0, 3.0, 4.0)  # short windows are noisier, long ones slower
    # Long windows are for slow burns at brands whose day is known: a new brand's first morning
    # rise spread over an hour is not a storm.
    min_history_hours: tuple[int, ...] = (3, 3, 24, 24)
    min_z: float = 5.5
    # Count surges (negative, newcomer) must lie in the tail of the brand's own noise, the
    # gamma-Poisson count with its learnt dispersion. The tests run on every negative post, so a
    # busy brand looks hundreds of times more often a week than a quiet one: each test's level is
    # ``chance_passes_per_week`` over the brand's usual negative posts a week (at most
    # ``max_count_tail``), which holds the chance alarms per brand-week level across brand sizes.
    chance_passes_per_week: float = 0.01
    max_count_tail: float = 1e-3
    # Volume and reach surges: a Poisson tail at a fixed level (every negative post looks: strict).
    max_tail_probability: float = 1e-6
    min_negative_excess: float = 0.4  # share of the surge's excess that must be negative posts
    warmup_hours: int = 3
    # volume: all mentions (catches storms whose language the sentiment model reads poorly)
    volume_ratio: float = 4.0
    # Volume alone is the weakest evidence: wait until the daily rhythm is known (a new brand's
    # first morning rise is not a storm).
    volume_warmup_hours: int = 72
    volume_z: float = 6.0
    min_volume: int = 12
    volume_negative_excess: float = 0.4
    # A volume surge stands in for a negative surge the model reads too faintly to pass
    # min_conviction (storms in languages it reads less firmly), not for one too small to tell from
    # chance: it needs as many negative posts as a negative surge in the same window
    # (``min_negatives``) and a weaker conviction. Praise misread as criticism reads fainter still:
    # on the tune seeds, volume surges in praise spikes averaged 0.27-0.45 where the model read them
    # mostly as criticism, firestorms' 0.51-1.0 when their first volume surge fired (and one 0.35,
    # in a storm other signals had caught first).
    volume_min_conviction: float = 0.5
    # The fast tier misreads some praise as criticism, but faintly: the negative posts behind a
    # negative, reach or share surge must average this conviction (see ``conviction``).
    min_conviction: float = 0.6
    # Negative posts by newcomers, in the first ``newcomer_windows`` of WINDOWS (10 and 30 min):
    # the negative surge's bars, against the newcomers' usual number of complaints (far smaller
    # than all complaints), and the newcomers' negative share far above its usual (binomial tail).
    newcomer_windows: int = 2
    newcomer_share_tail: float = 0.05
    # Praise guard's "half misread" rule: clearly positive posts needed for a negative, reach,
    # share or newcomer surge to be read as a praise wave (volume surges, with their weaker
    # conviction bar, keep MIN_SURE_PRAISE). Conviction already drops faint misreads, and an ordinary
    # ten-minute window holds a post or two of clear praise, which delayed real storms.
    min_sure_praise: int = 3
    # ...unless the negatives alone are a clear storm: this many distinct negative posts above their
    # usual (copies count once), read at least this firmly (a polarised storm: half negative, a third
    # praise, on a real stream of a young brand).
    polarised_min_negatives: float = 40.0
    polarised_min_conviction: float = 0.7
    # negative share: the mood turns even where the volume barely moves
    share_min_posts: int = 20
    share_rise: float = 0.3
    share_z: float = 5.0
    # reach-weighted negativity
    reach_min_negatives: int = 5
    reach_ratio: float = 3.5
    reach_z: float = 6.0
    # Reach amplifies a rise of negative posts; it does not replace one. Follower counts are heavy
    # tailed, so a handful of ordinary complaints with one large account among them is a normal
    # day for a busy brand: the negative posts themselves must also be clearly above their usual.
    reach_count_ratio: float = 2.0
    reach_count_tail: float = 1e-4


class _Totals(NamedTuple):
    """Running totals over a brand's posts, up to and including one post."""

    negatives: int
    positives: int
    negative_weight: float  # reach weights of the negative posts
    conviction: float  # of the negative posts
    newcomer_posts: int
    newcomer_negatives: int


_NO_POSTS = _Totals(0, 0, 0.0, 0.0, 0, 0)


class _Timeline:
    """A brand's posts of the longest window, in order, with running totals after each one.

    The windows are views on it: a window's counts are the totals at its end minus those just
    before its first post. A post is stored once, not once per window, and leaving a window costs
    one comparison, not a recount (the replay's hot path).
    """

    __slots__ = ("posts", "times", "totals", "windows")
    COMPACT_AFTER = 50_000  # posts no window holds any more, dropped in one go

    def __init__(self, spans: Iterable[timedelta]) -> None:
        spans = tuple(spans)
        if list(spans) != sorted(spans):
            raise ValueError("window spans must come shortest first: the last one decides what is kept")
        self.posts: list[EnrichedMention] = []
        self.times: list[datetime] = []
        self.totals: list[_Totals] = [_NO_POSTS]  # totals[i]: over posts[:i] and everything dropped
        self.windows = tuple(_Window(self, span) for span in spans)

    def push(self, mention: EnrichedMention, newcomer: bool) -> None:
        at = mention.mention.created_at
        last = self.totals[-1]
        if mention.is_negative:
            weight = reach_weight(mention.mention.author_followers)
            self.totals.append(
                _Totals(
                    last.negatives + 1,
                    last.positives,
                    last.negative_weight + weight,
                    last.conviction + conviction(mention),
                    last.newcomer_posts + newcomer,
                    last.newcomer_negatives + newcomer,
                )
            )
        elif mention.judgement.sentiment == "positive" or newcomer:
            self.totals.append(
                last._replace(
                    positives=last.positives + (mention.judgement.sentiment == "positive"),
                    newcomer_posts=last.newcomer_posts + newcomer,
                )
            )
        else:
            self.totals.append(last)
        self.posts.append(mention)
        self.times.append(at)
        times = self.times
        for window in self.windows:
            cutoff = at - window.span
            first = window.first
            while times[first] <= cutoff:
                first += 1
            window.first = first
        oldest = self.windows[-1].first
        if oldest >= self.COMPACT_AFTER:
            del self.posts[:oldest], self.times[:oldest], self.totals[:oldest]
            for window in self.windows:
                window.first -= oldest


class _Window:
    """The posts of the last ``span``: a view on the brand's :class:`_Timeline`."""

    __slots__ = ("first", "span", "timeline")

    def __init__(self, timeline: _Timeline, span: timedelta) -> None:
        self.timeline = timeline
        self.span = span
        self.first = 0  # index in the timeline of the window's oldest post

    # Each count is the running total at the newest post minus the one before the window's oldest.
    @property
    def posts(self) -> list[EnrichedMention]:
        return self.timeline.posts[self.first :]

    @property
    def count(self) -> int:
        return len(self.timeline.posts) - self.first

    @property
    def negatives(self) -> int:
        totals = self.timeline.totals
        return totals[-1].negatives - totals[self.first].negatives

    @property
    def positives(self) -> int:
        totals = self.timeline.totals
        return totals[-1].positives - totals[self.first].positives

    @property
    def negative_weight(self) -> float:
        totals = self.timeline.totals
        return totals[-1].negative_weight - totals[self.first].negative_weight

    @property
    def newcomer_posts(self) -> int:
        totals = self.timeline.totals
        return totals[-1].newcomer_posts - totals[self.first].newcomer_posts

    @property
    def newcomer_negatives(self) -> int:
        totals = self.timeline.totals
        return totals[-1].newcomer_negatives - totals[self.first].newcomer_negatives

    def mean_conviction(self) -> float:
        negatives = self.negatives
        if not negatives:
            return 0.0
        totals = self.timeline.totals
        return (totals[-1].conviction - totals[self.first].conviction) / negatives

    def negative_posts(self) -> list[EnrichedMention]:
        return [m for m in self.posts if m.is_negative]


class SurgeDetector:
    """Volume, negative-volume, negative-share and reach surges of one brand."""

    kinds = ("negative_surge", "newcomer_surge", "volume_surge", "negative_share", "negative_reach")

    def __init__(self, brand: str, rule: SurgeRule | None = None, handles: tuple[str, ...] = ()) -> None:
        self.brand = brand
        self.rule = rule or SurgeRule()
        self.relevance = Relevance(brand, handles)
        self.everything = RhythmBaseline()
        self.negatives = RhythmBaseline()
        self.positives = RhythmBaseline()
        self.negative_reach = RhythmBaseline()
        self.newcomer_negatives = RhythmBaseline()
        self.newcomer_volume = RhythmBaseline()
        self._baselines = (
            self.everything,
            self.negatives,
            self.positives,
            self.negative_reach,
            self.newcomer_negatives,
            self.newcomer_volume,
        )
        self._authors = AuthorMemory(NEWCOMER_MEMORY)
        self._timeline = _Timeline(WINDOWS)
        self.windows = self._timeline.windows
        self._last_signal_at: dict[str, datetime] = {}
        self.last_gap: CoverageGap | None = None
        self._tests = (  # bound once: every negative post past the warm-up runs them
            ("negative_surge", self._negative_surge),
            ("newcomer_surge", self._newcomer_surge),
            ("volume_surge", self._volume_surge),
            ("negative_share", self._negative_share),
            ("negative_reach", self._negative_reach),
        )

    def on_gap(self, gap: CoverageGap) -> None:
        """Skip a coverage gap: the hours up to its start close as usual, the hole teaches nothing."""
        for baseline in self._baselines:
            if baseline.current_hour is not None:
                baseline.advance(gap.start)
                baseline.skip_to(gap.end)
        self.last_gap = gap

    def observe(self, mention: EnrichedMention) -> list[Signal]:
        if self.relevance.is_own(mention.mention.author):
            # The brand speaking is no evidence against it, unless it lashes out (a take-over's
            # posts): that joins the current windows beside the public's complaints, but never the
            # usual levels (they stay the public's) and never starts a test itself. On the tune
            # seeds, skipping a hijacked account's posts delayed a small take-over storm by 29 min.
            if self.relevance.speaks_out(mention):
                self._timeline.push(mention, newcomer=False)
            return []
        at = mention.mention.created_at
        if self.everything.current_hour is None:  # every baseline's history starts with the first post
            for baseline in self._baselines:
                baseline.advance(at)
        self.everything.add(at)
        newcomer = self._authors.is_newcomer(mention.mention.author, at)
        if newcomer:
            self.newcomer_volume.add(at)
        if mention.is_negative:
            self.negatives.add(at)
            if newcomer:
                self.newcomer_negatives.add(at)
            self.negative_reach.add(at, reach_weight(mention.mention.author_followers) / TYPICAL_WEIGHT)
        elif mention.judgement.sentiment == "positive":
            self.positives.add(at)
        self._timeline.push(mention, newcomer)
        if not mention.is_negative or self.negatives.history_hours < self.rule.warmup_hours:
            return []
        # The other baselines close their hours only now, before they are read: the same hours with
        # the same counts as advancing each of them on every post, which most posts never need.
        for baseline in self._baselines:
            baseline.advance(at)
        signals = []
        for kind, test in self._tests:
            if not self._may_repeat(kind, at):
                continue
            signal = test(at)
            if signal is not None and self._in_praise_wave(at, kind):
                return []  # misread praise (sarcasm, copies of one odd post) is still buzz
            if signal is not None:
                self._last_signal_at[kind] = at
                signals.append(signal)
        return signals

    # ------------------------------------------------------------------------------------ tests

    def _negative_surge(self, at: datetime) -> Signal | None:
        rule = self.rule
        floors = rule.min_negatives if self.negatives.history_hours >= 24 else rule.first_day_min_negatives
        for window, min_negatives, min_ratio, min_history in zip(
            self.windows, floors, rule.min_ratio, rule.min_history_hours, strict=True
        ):
            observed = window.negatives
            if observed < min_negatives or self.negatives.history_hours < min_history:
                continue
            start = at - window.span
            expected = self._count_surge(self.negatives, observed, start, at, min_ratio)
            if expected is None or not self._made_of_criticism(window, start, at):
                continue
            return self._signal(
                "negative_surge",
                at,
                window,
                observed,
                expected,
                f"Negative mentions of {self.brand} rose to {observed} in the last "
                f"{minutes(window.span)}, {observed / expected:.1f}× the usual {expected:.1f} "
                f"for this time of day and week.",
            )
        return None

    def _newcomer_surge(self, at: datetime) -> Signal | None:
        """Negative posts by people who did not post about the brand in the last week: a crowd
        forming. Their usual number is a fraction of all complaints, so the same bars are cleared
        with fewer posts, minutes earlier in a storm's ramp."""
        rule = self.rule
        if self.newcomer_negatives.history_hours < NEWCOMER_MEMORY / HOUR:
            return None
        for window, min_negatives, min_ratio in zip(
            self.windows[: rule.newcomer_windows], rule.min_negatives, rule.min_ratio, strict=False
        ):
            observed = window.newcomer_negatives
            if observed < min_negatives:
                continue
            start = at - window.span
            expected = self._count_surge(self.newcomer_negatives, observed, start, at, min_ratio)
            if expected is None or not self._made_of_criticism(window, start, at):
                continue
            if not self._newcomers_turned_negative(window, start, at):
                continue
            return self._signal(
                "newcomer_surge",
                at,
                window,
                observed,
                expected,
                f"Negative mentions of {self.brand} by people who had not posted about it in the past "
                f"week rose to {observed} in the last {minutes(window.span)}, {observed / expected:.1f}× "
                f"the usual {expected:.1f} for this time of day and week.",
            )
        return None

    def _volume_surge(self, at: datetime) -> Signal | None:
        rule = self.rule
        if self.everything.history_hours < rule.volume_warmup_hours:
            return None
        for window, min_negatives in zip(self.windows[1:3], rule.min_negatives[1:3], strict=True):
            observed = window.count
            if observed < rule.min_volume or window.negatives < min_negatives:
                continue
            if window.mean_conviction() < rule.volume_min_conviction:
                continue  # faint misreads: praise read as criticism
            start = at - window.span
            expected, z = self.everything.surprise(observed, start, at)
            if observed < rule.volume_ratio * expected or z < rule.volume_z:
                continue
            if poisson_tail(observed, expected) > rule.max_tail_probability / 10:
                continue
            positive_expected = self.positives.expected_between(start, at)
            if window.positives > positive_expected + 0.5 * (observed - expected):
                continue  # mostly praise: buzz
            if self._negative_excess(window, start, at) < rule.volume_negative_excess:
                continue
            return self._signal(
                "volume_surge",
                at,
                window,
                observed,
                expected,
                f"Mentions of {self.brand} rose to {observed} in the last {minutes(window.span)}, "
                f"{observed / expected:.1f}× the usual {expected:.1f}, and the rise is not praise: "
                f"{window.negatives} of them are negative.",
            )
        return None

    def _negative_share(self, at: datetime) -> Signal | None:
        rule = self.rule
        window = self.windows[2]
        posts = window.count
        if posts < rule.share_min_posts:
            return None
        start = at - window.span
        share, usual, z = self._share_z(window, start, at)
        if share < usual + rule.share_rise or share < 2 * usual:
            return None
        if z < rule.share_z or window.mean_conviction() < rule.min_conviction:
            return None
        return self._signal(
            "negative_share",
            at,
            window,
            window.negatives,
            posts * usual,
            f"{share:.0%} of the {posts} mentions of {self.brand} in the last {minutes(window.span)} "
            f"are negative, against a usual {usual:.0%}.",
        )

    def _negative_reach(self, at: datetime) -> Signal | None:
        """Reach-weighted negativity: each negative post weighs log10(10 + followers), so one post
        from an account with a million followers weighs as much as six from small accounts."""
        rule = self.rule
        for window in self.windows[:2]:
            if window.negatives < rule.reach_min_negatives:
                continue
            start = at - window.span
            observed = window.negative_weight
            # Counted in "typical posts" so that the count statistics (z, Poisson tail) apply.
            expected, z = self.negative_reach.surprise(observed / TYPICAL_WEIGHT, start, at)
            expected *= TYPICAL_WEIGHT
            if observed < rule.reach_ratio * expected or z < rule.reach_z:
                continue
            if poisson_tail(observed / TYPICAL_WEIGHT, expected / TYPICAL_WEIGHT) > rule.max_tail_probability:
                continue
            if not self._negatives_rose(window, start, at):
                continue
            if not self._made_of_criticism(window, start, at):
                continue
            negatives = window.negative_posts()
            large = sum((m.mention.author_followers or 0) >= LARGE_ACCOUNT for m in negatives)
            if large == 0:
                continue  # without large accounts this is a plain negative surge
            return self._signal(
                "negative_reach",
                at,
                window,
                observed,
                expected,
                f"Reach-weighted negativity about {self.brand} is {observed / expected:.1f}× its usual level "
                f"in the last {minutes(window.span)}: {window.negatives} negative posts, {large} of them "
                f"from accounts with over {LARGE_ACCOUNT:,} followers, reaching {reach_of(negatives):,}.",
            )
        return None

    # ------------------------------------------------------------------------------------ helpers

    def _in_praise_wave(self, at: datetime, kind: str) -> bool:
        """More praise than criticism above the usual levels over the last hour or the last ten
        minutes, counting copies of one post once: a praise spike can carry a hundred retweets of
        one post the model misreads. The short look matters at a spike's start, when its first
        misreads already make a ten-minute surge but the hour still holds mostly ordinary posts.
        A volume surge has a weaker conviction bar, so it keeps the stricter praise rule."""
        sure = MIN_SURE_PRAISE if kind == "volume_surge" else self.rule.min_sure_praise
        return any(self._praise_in(window, at, sure) for window in (self.windows[0], self.windows[2]))

    def _praise_in(self, window: _Window, at: datetime, min_sure_praise: int) -> bool:
        start = at - window.span
        positives, negatives, sure_positives = _distinct_voices(window.posts)
        excess_positive = positives - self.positives.expected_between(start, at)
        excess_negative = negatives - self.negatives.expected_between(start, at)
        if excess_positive > max(excess_negative, 0.0) + MIN_PRAISE_EXCESS:
            return True
        # The fast tier half misreads some praise spikes as criticism, yet they still add at least
        # half as many positives as negatives, some of them read as clearly positive. A firestorm
        # brings no praise: its extra positives are misreads (about a quarter of its extra
        # negatives on the tune seeds), and faint ones.
        if self._clear_storm(window, excess_negative):
            return False
        return (
            excess_positive >= max(PRAISE_TO_CRITICISM * excess_negative, MIN_PRAISE_EXCESS)
            and sure_positives >= min_sure_praise
        )

    def _clear_storm(self, window: _Window, excess_negative: float) -> bool:
        """The guard judges the negatives, not the mix: a polarised storm (a brand's fans defending it
        while many more attack it) brings real praise along. Dozens of extra negative voices, read
        firmly, are a storm whatever rides with them; misread praise is read faintly."""
        rule = self.rule
        return (
            excess_negative >= rule.polarised_min_negatives
            and window.mean_conviction() >= rule.polarised_min_conviction
        )

    def _count_surge(
        self, baseline: RhythmBaseline, observed: int, start: datetime, at: datetime, min_ratio: float
    ) -> float | None:
        """The usual count in [start, at) when ``observed`` is a surge of it (a large ratio, surprising
        for the brand's noise and in the Poisson tail), else None."""
        expected, z = baseline.surprise(observed, start, at)
        if observed < min_ratio * expected or z < self.rule.min_z:
            return None
        if negative_binomial_tail(observed, expected, baseline.dispersion) > self._count_tail_level():
            return None
        return expected

    def _count_tail_level(self) -> float:
        """The tail level of a count surge for this brand (see ``SurgeRule.chance_passes_per_week``)."""
        tests_per_week = 7 * self.negatives.usual_per_day
        return min(self.rule.max_count_tail, self.rule.chance_passes_per_week / max(tests_per_week, 1.0))

    def _negatives_rose(self, window: _Window, start: datetime, at: datetime) -> bool:
        """The count of negative posts alone is clearly above its usual level: a looser test than a
        negative surge's (reach supplies the rest of the evidence), but in the tail of the brand's
        own noise (negative binomial), not of a Poisson count: with a Poisson tail, a busy brand's
        ordinary noisy half hour with one news outlet among its critics passed for a reach surge."""
        expected = self.negatives.expected_between(start, at)
        return (
            window.negatives >= self.rule.reach_count_ratio * expected
            and negative_binomial_tail(window.negatives, expected, self.negatives.dispersion)
            <= self.rule.reach_count_tail
        )

    def _newcomers_turned_negative(self, window: _Window, start: datetime, at: datetime) -> bool:
        """A harmless bump (news, a campaign) also brings newcomers, with the brand's usual mix: the
        newcomers' share of complaints must be far above its usual level (binomial tail)."""
        posts = window.newcomer_posts
        usual = self.newcomer_negatives.expected_between(start, at) / max(
            self.newcomer_volume.expected_between(start, at), 1e-9
        )
        tail = binomial_tail(window.newcomer_negatives, posts, min(usual, 0.95))
        return tail <= self.rule.newcomer_share_tail

    def _made_of_criticism(self, window: _Window, start: datetime, at: datetime) -> bool:
        """The rise is negative posts, read with conviction: the fast tier reads some praise spikes
        as criticism, but faintly (scores near zero), while a firestorm's posts read clearly."""
        return (
            self._negative_excess(window, start, at) >= self.rule.min_negative_excess
            and window.mean_conviction() >= self.rule.min_conviction
        )

    def _share_z(self, window: _Window, start: datetime, at: datetime) -> tuple[float, float, float]:
        """(share, usual share, binomial z): how far the window's negative share lies above the
        brand's usual one for this time of day and week."""
        posts = window.count
        usual = min(
            self.negatives.expected_between(start, at) / self.everything.expected_between(start, at), 0.95
        )
        share = window.negatives / posts
        return share, usual, (window.negatives - posts * usual) / (posts * usual * (1 - usual)) ** 0.5

    def _negative_excess(self, window: _Window, start: datetime, at: datetime) -> float:
        """How much of the rise above the usual volume is negative posts (1.0 = all of it; 0 when
        more praise than criticism was added: that is buzz)."""
        excess_all = window.count - self.everything.expected_between(start, at)
        excess_negative = window.negatives - self.negatives.expected_between(start, at)
        excess_positive = window.positives - self.positives.expected_between(start, at)
        if excess_positive > excess_negative:
            return 0.0
        if excess_all <= 0:
            return 1.0  # negatives rose while the volume did not: the mood turned
        return excess_negative / excess_all

    def _may_repeat(self, kind: str, at: datetime) -> bool:
        last = self._last_signal_at.get(kind)
        return last is None or at - last >= REPEAT_AFTER

    def _signal(
        self,
        kind: str,
        at: datetime,
        window: _Window,
        observed: float,
        expected: float,
        summary: str,
        extra: dict[str, object] | None = None,
    ) -> Signal:
        negatives = window.negative_posts()
        recent = self.windows[0].negatives
        per_ten_minutes = window.negatives / (window.span / WINDOWS[0])
        return Signal(
            brand=self.brand,
            kind=kind,
            at=at,
            observed=observed,
            expected=expected,
            window=window.span,
            cause=dominant_cause(m.judgement.cause for m in negatives),
            reach=reach_of(negatives),
            example_ids=tuple(m.mention.external_id for m in top_by_reach(negatives)),
            summary=summary,
            examples=examples_of(negatives),
            negative_share=window.negatives / max(window.count, 1),
            growth=recent / per_ten_minutes if per_ten_minutes > 0 else None,
            audience=audience_of(negatives, self.relevance),
            evidence={
                "posts_in_window": window.count,
                "negative_in_window": window.negatives,
                "usual_per_hour": round(self.everything.expected_per_hour(at), 2),
                "usual_negative_per_hour": round(self.negatives.expected_per_hour(at), 2),
                **(extra or {}),
            },
        )


class AuthorMemory:
    """When each author last posted about the brand, for the last ``memory``."""

    def __init__(self, memory: timedelta) -> None:
        self.memory = memory
        self._last_seen: dict[str, datetime] = {}
        self._pruned_at: datetime | None = None

    def is_newcomer(self, author: str | None, at: datetime) -> bool:
        """Whether ``author`` had no post in the last ``memory`` (and remember this one)."""
        if author is None:
            return False  # anonymous posts cannot tell a newcomer from a regular
        last = self._last_seen.get(author)
        self._last_seen[author] = at
        if self._pruned_at is None or at - self._pruned_at >= self.memory:
            self._prune(at)
        return last is None or at - last > self.memory

    def _prune(self, at: datetime) -> None:
        """Forget authors silent for longer than the memory: the state stays one week of audience."""
        cutoff = at - self.memory
        self._last_seen = {author: seen for author, seen in self._last_seen.items() if seen > cutoff}
        self._pruned_at = at


def _distinct_voices(posts: Iterable[EnrichedMention]) -> tuple[int, int, int]:
    """Positive, negative and clearly positive posts, each near-duplicate group counted once."""
    seen: set[str] = set()
    positives = negatives = sure_positives = 0
    for post in posts:
        sentiment = post.judgement.sentiment
        if sentiment == "neutral":
            continue
        if post.duplicate_group is not None:
            if post.duplicate_group in seen:
                continue
            seen.add(post.duplicate_group)
        positives += sentiment == "positive"
        negatives += sentiment == "negative"
        sure_positives += post.judgement.sentiment_score >= SURE_PRAISE_SCORE
    return positives, negatives, sure_positives
