"""Language identification for short, noisy posts (lingua, which ships its models: no download).

URLs, @mentions, hashtag signs and emoticons are removed first: they are language-neutral noise that
confuses n-gram models on a 60-character tweet. Short texts use lingua's high-accuracy mode (its
larger n-gram models matter most there); longer ones use the low-accuracy mode, about 3x faster and
as accurate once there are a few dozen letters.
"""

from __future__ import annotations

from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from stormwatch.analysis.normalize import text_for_language_id

SUPPORTED_LANGUAGES = (
    Language.POLISH,
    Language.ENGLISH,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.UKRAINIAN,
    Language.RUSSIAN,
    Language.CZECH,
    Language.DUTCH,
    Language.ARABIC,
    Language.HINDI,
)
SHORT_TEXT_CHARS = 60
MIN_LETTERS = 3


@cache
def _detector(high_accuracy: bool) -> LanguageDetector:
    builder = LanguageDetectorBuilder.from_languages(*SUPPORTED_LANGUAGES)
    if not high_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _iso_code(language: Language) -> str:
    code: IsoCode639_1 = language.iso_code_639_1
    return str(code.name).lower()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the post's language, or None when there is too little text to tell."""
    cleaned = text_for_language_id(text)
    if sum(char.isalpha() for char in cleaned) < MIN_LETTERS:
        return None
    language = _detector(len(cleaned) < SHORT_TEXT_CHARS).detect_language_of(cleaned)
    return None if language is None else _iso_code(language)
