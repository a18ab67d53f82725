"""A simple Polish sentiment lexicon: the baseline ``stormwatch eval`` runs beside VADER on Polish sets.

Why a hand-written one: ``polvader`` (the VADER-style Polish package on PyPI) pulls ``transformers``,
``spacy``, ``deep-translator`` and ``pandas`` as run-time dependencies (docs/model_card.md), too heavy
for a baseline. This one is deliberately plain, so the figure it gets says what "counting polar words"
is worth on each set:

* words are the normaliser's tokens (lower case, diacritics folded: ``źle`` = ``zle``), so a stem list
  written without diacritics matches both spellings;
* a token scores the polarity of the longest stem it starts with (prefix match covers inflection:
  ``czerstw`` matches ``czerstwe``, ``czerstwa``, ``czerstwego``), or of an exact word for short,
  ambiguous stems (``zle`` but not ``zloty``);
* the normaliser's negation scope flips a word (``nie polecam`` -> ``neg_polecam`` -> negative);
* the score is VADER's normalisation of the sum, ``s / sqrt(s^2 + 15)``; the label is its sign
  (0 -> neutral).

Written for this project from general knowledge of Polish, not fitted to any data set (Apache-2.0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from stormwatch.analysis.normalize import NEGATED_PREFIX, tokenize

_POSITIVE_STEMS = (
    "polec",
    "dobr",
    "super",
    "swietn",
    "doskonal",
    "wspanial",
    "zadowol",
    "szybk",
    "profesjonal",
    "dziekuj",
    "piekn",
    "fajn",
    "rewelac",
    "najlep",
    "idealn",
    "zgodn",
    "bezproblem",
    "uprzejm",
    "pomocn",
    "kompetent",
    "solidn",
    "rzeteln",
    "ekstra",
    "cudown",
    "smaczn",
    "czyst",
    "wygodn",
    "warto",
    "lubi",
    "kocha",
    "brawo",
    "gratul",
    "perfekc",
    "komfort",
    "przyjemn",
    "sympatyczn",
    "punktualn",
    "zachwyc",
    "udan",
    "bezpieczn",
    "dziala",
)
_POSITIVE_WORDS = ("mily", "mila", "mile", "milo", "milej", "mili", "ok", "okej", "dzieki", "spoko", "plus")
_NEGATIVE_STEMS = (
    "fataln",
    "okropn",
    "beznadziej",
    "tragiczn",
    "tragedi",
    "dramat",
    "porazk",
    "masakr",
    "zenuj",
    "zenad",
    "skandal",
    "oszust",
    "oszuk",
    "naciag",
    "nieuprzejm",
    "niemil",
    "chamsk",
    "opryskliw",
    "niekompetent",
    "bubel",
    "zepsu",
    "uszkodz",
    "popsu",
    "zawiod",
    "zawiedz",
    "rozczarow",
    "odradza",
    "unika",
    "omija",
    "spozni",
    "opozni",
    "zimn",
    "czerstw",
    "brud",
    "smierdz",
    "nieprzyjemn",
    "problem",
    "reklamac",
    "niestety",
    "klamst",
    "klamie",
    "wyciek",
    "wlam",
    "zhakow",
    "ukradl",
    "kradziez",
    "nienawidz",
    "gorsz",
    "najgorsz",
    "slab",
    "nudn",
    "straszn",
    "horror",
    "zgroza",
    "kpina",
    "wstyd",
    "niezgodn",
    "niesmaczn",
    "niedobr",
    "nieczynn",
    "bezczeln",
    "zenujac",
    "koszmar",
    "nieudoln",
    "nieaktualn",
    "bolesn",
)
_NEGATIVE_WORDS = ("zle", "zly", "zla", "zlego", "zlej", "zlym", "zli", "dno", "brak", "lipa", "minus")


def _build() -> tuple[dict[str, float], dict[str, float]]:
    stems = {stem: 1.0 for stem in _POSITIVE_STEMS} | {stem: -1.0 for stem in _NEGATIVE_STEMS}
    words = {word: 1.0 for word in _POSITIVE_WORDS} | {word: -1.0 for word in _NEGATIVE_WORDS}
    return stems, words


_STEMS, _WORDS = _build()
_LONGEST_STEM = max(map(len, _STEMS))


def word_polarity(token: str) -> float:
    """Polarity of one normalised token (negation mark included), 0 when the lexicon has no entry."""
    negated = token.startswith(NEGATED_PREFIX)
    word = token.removeprefix(NEGATED_PREFIX)
    polarity = _WORDS.get(word, 0.0)
    if not polarity:
        for end in range(min(len(word), _LONGEST_STEM), 2, -1):  # the longest matching stem wins
            polarity = _STEMS.get(word[:end], 0.0)
            if polarity:
                break
    return -polarity if negated else polarity


def lexicon_score(text: str) -> float:
    """Sentiment score in -1..1 (VADER's normalisation of the summed word polarities)."""
    total = sum(map(word_polarity, tokenize(text)))
    return total / math.sqrt(total * total + 15.0)


def lexicon_judgements(texts: Sequence[str]) -> list[tuple[str, float]]:
    """(label, score) per text: the score's sign decides, 0 is neutral."""
    result = []
    for text in texts:
        score = lexicon_score(text)
        label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
        result.append((label, score))
    return result
