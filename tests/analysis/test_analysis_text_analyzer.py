"""The shipped models: load fast, judge obvious posts sensibly, follow a workspace's corrections."""

import time

import pytest

from stormwatch.analysis.cause import CauseCorrections
from stormwatch.analysis.models import CAUSES
from stormwatch.analysis.text_analyzer import TextAnalyzer

OBVIOUS = [
    ("Fantastyczna obsługa, bardzo polecam! 😍", "pl", "positive"),
    ("Najgorsza firma, nigdy więcej, totalna porażka", "pl", "negative"),
    ("zle, bardzo zle, nie polecam", "pl", "negative"),
    ("I love this, best day ever :)", "en", "positive"),
    ("This is the worst service I have ever had. Awful.", "en", "negative"),
    ("@united lost my bag again, terrible", "en", "negative"),
]


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer.load()


def test_models_load_in_under_three_seconds() -> None:
    from stormwatch.analysis import text_analyzer

    text_analyzer._load_cached.cache_clear()
    started = time.perf_counter()
    TextAnalyzer.load(deep=True)
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize(("text", "lang", "expected"), OBVIOUS)
def test_obvious_posts(analyzer: TextAnalyzer, text: str, lang: str, expected: str) -> None:
    judgement = analyzer.judge([text])[0]
    assert judgement.sentiment == expected
    assert judgement.lang == lang
    assert (judgement.sentiment_score > 0) == (expected == "positive")
    assert -1.0 <= judgement.sentiment_score <= 1.0


def test_fast_tier_alone_agrees_on_obvious_posts() -> None:
    fast = TextAnalyzer.load(deep=False)
    judged = fast.judge([text for text, _, _ in OBVIOUS], [lang for _, lang, _ in OBVIOUS])
    assert [j.sentiment for j in judged] == [expected for _, _, expected in OBVIOUS]


def test_given_language_is_trusted(analyzer: TextAnalyzer) -> None:
    assert analyzer.judge(["ok"], ["pl"])[0].lang == "pl"


def test_cause_only_for_negative_posts(analyzer: TextAnalyzer) -> None:
    negative, positive = analyzer.judge(
        ["I have been on hold with customer service for 3 hours, nobody answers", "Great flight, thanks!"]
    )
    assert negative.cause == "customer_service"
    assert positive.cause is None


def test_rare_causes_from_prototypes(analyzer: TextAnalyzer) -> None:
    hacked = analyzer.judge_causes(["Your account was hacked, it is posting scam links"])[0]
    assert hacked == "account_compromise"


def test_a_correction_changes_a_later_similar_prediction(analyzer: TextAnalyzer) -> None:
    text = "The new ad with the clown mocking nurses is a disgrace"
    later = "That clown ad mocking nurses is disgraceful"
    before = analyzer.judge_causes([later])[0]
    target = next(c for c in CAUSES if c != before and c != "account_compromise")
    corrections = CauseCorrections()
    corrections.add("ws-1", text, target)
    restored = CauseCorrections.from_dict(corrections.to_dict())
    assert restored == corrections
    assert analyzer.with_corrections(restored.for_workspace("ws-1")).judge_causes([later])[0] == target
    # another workspace is not affected
    assert analyzer.with_corrections(restored.for_workspace("ws-2")).judge_causes([later])[0] == before
    unrelated = "my suitcase never arrived"
    assert analyzer.judge_causes([unrelated]) == analyzer.with_corrections(
        restored.for_workspace("ws-1")
    ).judge_causes([unrelated])
