"""Unmistakable wording of a cause (``CAUSE_CUES``) decides a negative post's cause over the models'
plain "negative review" reading, in both tiers; everyday texts carry no cue; a team's correction still
wins. The sentences are not the drill scenarios' (those are checked in tests/drill)."""

from __future__ import annotations

import pytest

from stormwatch.analysis.cause import CAUSE_CLASSES, CauseCorrection, cue_votes
from stormwatch.analysis.text_analyzer import TextAnalyzer

CAUSAL = [
    (
        "Ktoś przejął konto @sklep_zielony i wrzuca linki do jakiejś loterii, nie klikajcie",
        "account_compromise",
    ),
    (
        "Wyciekły nasze dane z aplikacji @fitklub, dostaję maile od oszustów z moim imieniem",
        "account_compromise",
    ),
    ("Fanpage banku wygląda na przejęty, od rana wrzuca oszukańcze linki, dramat", "account_compromise"),
    ("@acme your account got hacked, it's DMing everyone a fake giveaway", "account_compromise"),
    ("Reklama @modaxl z żartem o gwałcie to skandal, bojkotuję tę markę", "controversial_action"),
    ("The new @burgerco billboard is sexist garbage, boycott them", "controversial_action"),
    ("Their staff filmed themselves mocking customers at the till. Disgusting.", "controversial_action"),
    ("Kto zatwierdził ten wpis @kolejepl o wypadku? Niesmaczny żart, skasujcie to", "communication_error"),
    ("What a tone-deaf tweet from @megabank on the day of the layoffs", "communication_error"),
]
EVERYDAY = [
    "Ktoś się włamał do piwnicy w naszym bloku, uważajcie na rowery",
    "My flight was delayed five hours and then cancelled",
    "Buty rozkleiły się po dwóch tygodniach, szkoda pieniędzy",
    "Rząd znowu podnosi podatki, masakra",
]


@pytest.fixture(scope="module", params=[False, True], ids=["fast", "deep"])
def analyzer(request: pytest.FixtureRequest) -> TextAnalyzer:
    return TextAnalyzer.load(deep=request.param)


@pytest.mark.parametrize(("text", "cause"), CAUSAL)
def test_clearly_causal_posts_get_their_cause(analyzer: TextAnalyzer, text: str, cause: str) -> None:
    judgement = analyzer.judge([text])[0]
    assert judgement.sentiment == "negative"
    assert judgement.cause == cause


def test_everyday_texts_carry_no_cue() -> None:
    assert not cue_votes(EVERYDAY).any()
    votes = cue_votes([text for text, _ in CAUSAL])
    assert [CAUSE_CLASSES[int(i)] for i in votes.argmax(axis=1)] == [cause for _, cause in CAUSAL]


def test_a_correction_outweighs_a_cue(analyzer: TextAnalyzer) -> None:
    text = "Reklama z rasistowskim podtekstem, a obsługa nie odpisuje na skargi"
    corrected = analyzer.with_corrections([CauseCorrection(text, "customer_service")])
    assert corrected.judge_causes([text]) == ["customer_service"]
