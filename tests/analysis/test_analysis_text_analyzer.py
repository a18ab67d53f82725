"""The shipped models: load fast, judge obvious posts sensibly, follow a workspace's corrections."""

import numpy as np
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


def test_models_load_and_judge_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is downloaded at run time: loading from scratch and judging work with sockets refused.

    (Load time is measured by ``stormwatch eval`` and the bench, not by a timed test.)
    """
    import socket

    from stormwatch.analysis import text_analyzer

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access during analysis")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    text_analyzer._load_cached.cache_clear()
    judged = TextAnalyzer.load(deep=True).judge(["Najgorsza obsługa, nie polecam"], deep_mask=[True])
    assert judged[0].sentiment == "negative"


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


def test_shipped_artifacts_are_small_and_complete() -> None:
    from stormwatch.analysis.artifacts import ARTIFACT_DIR, load_deep_model

    sizes = {path.name: path.stat().st_size for path in ARTIFACT_DIR.glob("*.npz")}
    assert set(sizes) == {
        "sentiment_fast.npz",
        "sentiment_fast_pl.npz",  # Polish texts' fast tier (issue 24)
        "sentiment_deep_pl.npz",  # Polish texts' deep head (issue 24)
        "sentiment_deep.npz",
        "cause_fast.npz",
        "cause_deep.npz",
    }
    # the commercial set (docs/model_card.md) has no deep sentiment head: its fast tier decides sentiment
    commercial = {path.name: path.stat().st_size for path in (ARTIFACT_DIR / "commercial").glob("*.npz")}
    assert set(commercial) == {"sentiment_fast.npz", "cause_fast.npz", "cause_deep.npz"}
    assert sum(sizes.values()) + sum(commercial.values()) < 30e6
    deep, classes = load_deep_model(ARTIFACT_DIR / "sentiment_deep.npz")
    assert classes == ("negative", "neutral", "positive")
    first_layer = deep.weights if deep.hidden_weights is None else deep.hidden_weights
    inputs = 512 + (3 if deep.uses_fast_log else 0) + len(deep.input_languages)  # embedding, stacked extras
    assert first_layer.shape[0] == inputs and deep.decision_bias.shape == (3,)
    # the fast tier always counts: through the blend, or (blend 1) through the stacked head's inputs
    assert 0.0 < deep.blend < 1.0 or (deep.blend == 1.0 and deep.uses_fast_log)
    assert deep.weights.shape[1] == 3


def test_hidden_layer_head_is_relu_then_softmax() -> None:
    from stormwatch.analysis.artifacts import DenseLinearModel

    head = DenseLinearModel(
        weights=np.array([[1.0, -1.0], [0.0, 2.0]], dtype=np.float32),
        bias=np.zeros(2, dtype=np.float32),
        blend=0.5,
        decision_bias=np.zeros(2, dtype=np.float32),
        hidden_weights=np.array([[1.0, -1.0], [0.0, 1.0]], dtype=np.float32),
        hidden_bias=np.array([0.0, 0.5], dtype=np.float32),
    )
    # hidden = relu([1, -1 + 0.5]) = [1, 0]; logits = [1, -1]
    expected = np.log(np.exp([1.0, -1.0]) / np.exp([1.0, -1.0]).sum())
    np.testing.assert_allclose(head.log_probabilities(np.array([[1.0, 0.0]], dtype=np.float32))[0], expected)


def test_deep_tier_gate_selects_texts_the_fast_tier_is_unsure_of() -> None:
    from stormwatch.analysis.text_analyzer import DEEP_GATE, needs_deep_tier

    sure = [0.05, 0.05, 0.90]
    unsure = [DEEP_GATE - 0.1, 0.3, 0.1]
    assert needs_deep_tier(np.array([sure, unsure])).tolist() == [False, True]


def test_negation_and_missing_diacritics_change_the_verdict(analyzer: TextAnalyzer) -> None:
    polecam, nie_polecam = analyzer.judge(["Polecam ten sklep", "Nie polecam tego sklepu"], ["pl", "pl"])
    assert polecam.sentiment_score > nie_polecam.sentiment_score
    assert nie_polecam.sentiment == "negative"
    with_marks, without = analyzer.judge(["Źle, bardzo źle", "Zle, bardzo zle"], ["pl", "pl"])
    assert with_marks.sentiment == without.sentiment == "negative"


def test_cause_examples(analyzer: TextAnalyzer) -> None:
    causes = analyzer.judge_causes(
        [
            "Waited 2 hours on the phone and the agent was rude and hung up on me",
            "Infolinia nie odpowiada od godziny, obsługa klienta to dno",
            "The seat was broken and the food was cold, worst flight ever",
        ]
    )
    assert causes == ["customer_service", "customer_service", "negative_review"]
