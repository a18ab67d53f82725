"""The brand's own accounts are the brand speaking (issue 23): their posts are no public evidence
for the surge, story and trigger-term detectors, while the same posts by the public are."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.audience import Relevance
from stormwatch.detection.detectors import TriggerTermDetector
from stormwatch.detection.signal import Signal
from stormwatch.detection.stories import StoryDetector
from stormwatch.detection.surges import SurgeDetector

from .streams import START, burst, in_time_order, mention, steady

HANDLES = ("@Acme_Help", "acme")


def _by(posts: list[EnrichedMention], author: str) -> list[EnrichedMention]:
    return [replace(post, mention=replace(post.mention, author=author)) for post in posts]


def _signals(
    detector: SurgeDetector | StoryDetector | TriggerTermDetector, stream: list[EnrichedMention]
) -> list[Signal]:
    return [signal for post in stream for signal in detector.observe(post)]


def test_own_handles_are_recognised_in_any_case_with_or_without_at() -> None:
    relevance = Relevance("Acme", HANDLES)
    assert relevance.is_own("acme_help") and relevance.is_own("@ACME_HELP") and relevance.is_own("Acme")
    assert not relevance.is_own("acme_fan") and not relevance.is_own(None) and not relevance.is_own("")


def test_a_burst_of_the_brands_own_negative_posts_is_no_surge() -> None:
    history = list(steady(hours=48, per_hour=20))
    storm = burst(
        START + timedelta(hours=48, minutes=5),
        minutes=60,
        count=120,
        sentiment="negative",
        first_number=10_000,
    )
    public = _signals(SurgeDetector("Acme", handles=HANDLES), in_time_order(history, storm))
    assert any(s.kind == "negative_surge" for s in public)  # the same posts by the public are a surge
    own = _signals(SurgeDetector("Acme", handles=HANDLES), in_time_order(history, _by(storm, "acme_help")))
    assert own == []


def test_the_brands_own_copies_make_no_story() -> None:
    text = "Acme: we are sorry, refunds for the double charge are on their way"
    copies = [
        replace(mention(START + timedelta(minutes=i), "negative", number=i, text=text), duplicate_group="m0")
        for i in range(10)
    ]
    assert _signals(StoryDetector("Acme", handles=HANDLES), copies)  # many people posting it: a story
    assert _signals(StoryDetector("Acme", handles=HANDLES), _by(copies, "Acme_Help")) == []


def test_trigger_terms_in_the_brands_own_posts_are_no_evidence() -> None:
    texts = ["we were hacked, sorry", "our account was hacked", "hacked: what to do now"]
    posts = [mention(START + timedelta(minutes=i), "negative", number=i, text=t) for i, t in enumerate(texts)]
    assert _signals(TriggerTermDetector("Acme", ["hacked"], handles=HANDLES), posts)
    mixed = [*_by(posts[:2], "acme"), posts[2]]
    assert _signals(TriggerTermDetector("Acme", ["hacked"], handles=HANDLES), mixed) == []


def test_a_hijacked_accounts_outburst_backs_the_publics_complaints() -> None:
    """A take-over's harmful posts (negative, answering nobody) count beside a small public storm
    that alone is too few posts; the account's customer care (replies) never does."""
    history = list(steady(hours=48, per_hour=6))
    onset = START + timedelta(hours=48, minutes=5)
    outburst = _by(burst(onset, minutes=2, count=2, sentiment="negative", first_number=10_000), "acme_help")
    public = burst(
        onset + timedelta(minutes=3), minutes=6, count=4, sentiment="negative", first_number=20_000
    )

    def surges(*streams: list[EnrichedMention]) -> list[Signal]:
        return _signals(SurgeDetector("Acme", handles=HANDLES), in_time_order(history, *streams))

    assert surges(public) == []  # four complaints are too few on their own
    assert any(s.kind == "negative_surge" for s in surges(outburst, public))
    care = [replace(p, mention=replace(p.mention, text="@user1 sorry, we are on it")) for p in outburst]
    assert surges(care, public) == []
    assert surges(outburst) == []  # the account alone starts nothing
