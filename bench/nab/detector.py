"""Stormwatch's own surge detector on a series of counts: NAB's "stormwatch" detector.

NAB's series are counts of mentions per 5 minutes, nothing else: no texts, no authors, no followers.
The product's :class:`~stormwatch.detection.surges.SurgeDetector` (with its
:class:`~stormwatch.detection.baseline.RhythmBaseline` streams and its ``SurgeRule`` as shipped) is
driven unchanged: each counted mention becomes one post at its step's timestamp, read as a clear
complaint. That is the honest reading of a bare count for this detector, which only looks at a
stream when a negative post arrives and asks that a surge be made of criticism: with every post a
complaint, the sentiment gates (conviction, praise guard, negative excess) stand aside and the
count tests decide, that is the negative-surge test (against the brand's rhythm and learnt noise,
at the product's per-brand tail level) and the volume-surge test. The tests that need what a count
does not carry cannot fire: newcomers (no authors), reach (no followers), negative share (constant).

A step's anomaly score is 1 when the product alarmed during it, else 0: the product alarms or does
not, it has no graded score, so NAB's threshold search can only keep its alarms or drop them all
(which is the null detector). Two readings of "alarmed": ``stormwatch`` counts what a person is told,
the crises the product's crisis manager opens or escalates from these signals (the lines
``stormwatch detect`` prints); ``stormwatchSignals`` counts every surge signal (a surge that lasts
signals again every 10 minutes, and NAB counts every such step outside a window as a false
positive). Nothing here is tuned on NAB's series.

Posts of one step all carry the step's timestamp, so the detector sees a step's count at once, as
NAB's detectors see a row's value; it runs its tests once per step (see ``step_signals``). One post value is shared by a step's posts (the values are
frozen): the detector keeps references, and millions of posts stay cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import EnrichedMention
from stormwatch.crisis.manager import CrisisManager
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.signal import Signal
from stormwatch.detection.surges import SurgeDetector, SurgeRule
from stormwatch.ingest.mention import MentionIn

NAME = "stormwatch"  # alerts: crises opened or escalated, what `stormwatch detect` prints
SIGNALS_NAME = "stormwatchSignals"  # every surge signal, before the crisis manager groups them
BRAND = "series"
COMPLAINT = TextJudgement(lang=None, sentiment="negative", sentiment_score=-1.0, cause=None)


def step_signals(
    times: Sequence[datetime],
    counts: Sequence[float],
    rule: SurgeRule | None = None,
    every_post: bool = False,
) -> list[list[Signal]]:
    """The signals the product's surge detector emitted during each step of a series.

    The detector runs its tests on every negative post; here only on a step's last post unless
    ``every_post``. Same signals, by monotonicity: within a step every post has the same time, so the
    baselines' expectations, noise and tail levels stay as they are while the counts grow, and every
    test asks for a count at least this high; whatever passes on an earlier post of the step passes
    on its last (tests/bench/test_nab.py checks that both ways agree). A step of 10,000 posts then
    costs one evaluation, not 10,000 (NAB's AAPL series has 1.4 million posts; testing every post
    took over 300 s for its first 1,500 steps on the shared machine). Which steps signal, and which
    kinds, are the same either way; a signal's count is the step's whole count instead of the count
    at the post where it first passed, so its severity can be higher: openings of crises are the
    same steps, escalations may come fewer.
    """
    detector = SurgeDetector(BRAND, rule)
    tests = detector._tests  # the product's tests, bound in SurgeDetector.__init__
    fired = []
    for step, (moment, count) in enumerate(zip(times, counts, strict=True)):
        at = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        post = EnrichedMention(MentionIn("nab", f"step-{step}", "", at, brand=BRAND), COMPLAINT, None)
        posts = round(count)
        signals: list[Signal] = []
        for number in range(posts):
            # Book-keeping only (windows, baselines, authors), no tests, for all but the last post.
            detector._tests = tests if every_post or number == posts - 1 else ()  # type: ignore[assignment]
            signals.extend(detector.observe(post))
        fired.append(signals)
    detector._tests = tests
    return fired


def step_alerts(times: Sequence[datetime], signals: Sequence[Sequence[Signal]]) -> list[list[CrisisUpdate]]:
    """What ``stormwatch detect`` would print at each step: the product's crisis manager, fed the
    signals as the pipeline feeds it (time first, then each signal), keeping openings and escalations."""
    manager = CrisisManager()
    alerts = []
    for moment, step in zip(times, signals, strict=True):
        at = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        # The pipeline asks on every post and gets at most one change per call: ask until none.
        while manager.on_time(BRAND, at) is not None:
            pass
        updates = [update for signal in step if (update := manager.on_signal(signal)) is not None]
        alerts.append([update for update in updates if update.kind in ("opened", "escalated")])
    return alerts


def anomaly_scores(events: Sequence[Sequence[object]]) -> list[float]:
    """1.0 for a step with any event (signal or alert), else 0.0."""
    return [1.0 if step else 0.0 for step in events]
