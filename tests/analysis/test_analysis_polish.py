"""Issue 24: Polish complaints and reviews read right (shipped models), and the Polish lexicon baseline."""

from dataclasses import replace

import pytest

from stormwatch.analysis.artifacts import (
    ARTIFACT_DIR,
    COMMERCIAL_ARTIFACT_DIR,
    MODELS_ENV,
    artifact_dir,
)
from stormwatch.analysis.polish_lexicon import lexicon_judgements, word_polarity
from stormwatch.analysis.text_analyzer import TextAnalyzer

# The issue's own sentences: each read positive or got no cause before this release.
ISSUE_SENTENCES = [
    "Wyciekły dane klientów z waszej aplikacji lojalnościowej?!",
    "Kawa zimna, ciastko czerstwe, a ceny kosmiczne",
    "Kawa smakuje jak woda z kałuży, a kelnerka była niemiła",
    "Obsługa klienta to porażka, czekam trzeci tydzień na zwrot pieniędzy!",
]


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer.load()


@pytest.mark.parametrize("text", ISSUE_SENTENCES)
def test_issue_sentences_read_negative_with_a_cause(analyzer: TextAnalyzer, text: str) -> None:
    judgement = analyzer.judge([text])[0]
    assert judgement.lang == "pl"
    assert judgement.sentiment == "negative"
    assert judgement.sentiment_score < 0
    assert judgement.cause is not None


def test_issue_sentences_get_the_fitting_cause(analyzer: TextAnalyzer) -> None:
    leak, _, _, service = analyzer.judge([ISSUE_SENTENCES[0], *ISSUE_SENTENCES[1:]])
    assert leak.cause == "account_compromise"
    assert service.cause == "customer_service"


@pytest.mark.parametrize(
    "text",
    [
        "Nikt nie odpisuje na maile od dwóch tygodni",
        "Ktoś przejął konto sklepu i rozsyła linki do oszustwa",
        "Czekam trzeci tydzień na odpowiedź na reklamację",
    ],
)
def test_polish_complaints_get_a_cause(analyzer: TextAnalyzer, text: str) -> None:
    judgement = analyzer.judge([text])[0]
    assert judgement.sentiment == "negative"
    assert judgement.cause is not None


@pytest.mark.parametrize(
    "text",
    ["Ciastko było czerstwe", "Bułka czerstwa i droga", "Kelner był niemiły", "Kelnerki niemiłe i powolne"],
)
def test_inflected_forms_read_negative(analyzer: TextAnalyzer, text: str) -> None:
    assert analyzer.judge([text], ["pl"])[0].sentiment == "negative"


@pytest.mark.parametrize(
    ("plain", "negated"),
    [("Polecam ten sklep", "Nie polecam tego sklepu"), ("Wszystko działa świetnie", "Nic nie działa")],
)
def test_negation_flips_what_follows(analyzer: TextAnalyzer, plain: str, negated: str) -> None:
    positive, negative = analyzer.judge([plain, negated], ["pl", "pl"])
    assert positive.sentiment == "positive"
    assert negative.sentiment == "negative"


def test_default_model_set_and_the_commercial_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODELS_ENV, raising=False)
    assert artifact_dir() == ARTIFACT_DIR
    monkeypatch.setenv(MODELS_ENV, "commercial")
    assert artifact_dir() == COMMERCIAL_ARTIFACT_DIR
    monkeypatch.setenv(MODELS_ENV, "cheapest")
    with pytest.raises(ValueError, match="STORMWATCH_MODELS='cheapest'"):
        artifact_dir()


def test_commercial_models_load_and_judge_sensibly() -> None:
    commercial = TextAnalyzer.load_from(COMMERCIAL_ARTIFACT_DIR)
    judged = commercial.judge(
        [
            "Najgorsza obsługa, nie polecam",
            "Fantastyczna obsługa, bardzo polecam!",
            "Awful service, never again",
        ]
    )
    assert [j.sentiment for j in judged] == ["negative", "positive", "negative"]


def test_lexicon_reads_stems_negation_and_both_spellings() -> None:
    assert word_polarity("czerstwego") < 0
    assert word_polarity("polecam") > 0
    assert word_polarity("neg_polecam") < 0
    assert word_polarity("zloty") == 0  # "zle"/"zly" are whole words, not a stem
    assert [label for label, _ in lexicon_judgements(["Źle!", "Zle!", "Stół", "Nie polecam"])] == [
        "negative",
        "negative",
        "neutral",
        "negative",
    ]


def test_polish_deep_head_is_shipped_and_reads_polish_texts_only() -> None:
    """The default set's Polish deep head is loaded beside the Polish fast model, and only pl texts use it."""
    from stormwatch.analysis.artifacts import load_deep_model

    head, classes = load_deep_model(ARTIFACT_DIR / "sentiment_deep_pl.npz")
    assert classes == ("negative", "neutral", "positive")
    assert 0.0 <= head.general_weight <= 1.0
    analyzer = TextAnalyzer.load()
    assert analyzer.polish_sentiment is not None and analyzer.polish_sentiment.deep is not None
    texts = ["Nie wiem, może jutro.", "I am not sure, maybe tomorrow."]
    forced = analyzer.judge(texts, ["pl", "en"], deep_mask=[True, True])
    # without the Polish head (the previous routing) the English text reads exactly the same
    previous = replace(analyzer, polish_sentiment=replace(analyzer.polish_sentiment, deep=None))
    before = previous.judge(texts, ["pl", "en"], deep_mask=[True, True])
    assert forced[1] == before[1]
    assert forced[0].sentiment_score != before[0].sentiment_score
