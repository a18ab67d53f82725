"""Small helpers every detector uses to back its signals with evidence a person can check."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from stormwatch.analysis.models import Cause
from stormwatch.analysis.near_duplicates import without_links_and_handles
from stormwatch.analysis.service import EnrichedMention
from stormwatch.detection.signal import Example

EXAMPLE_TEXT_CHARS = 160
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)

# Words that say nothing about what a story is, in the languages the brands are talked about in.
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "are",
        "was",
        "were",
        "this",
        "that",
        "with",
        "have",
        "has",
        "had",
        "not",
        "but",
        "all",
        "any",
        "can",
        "our",
        "out",
        "get",
        "got",
        "just",
        "now",
        "what",
        "when",
        "why",
        "how",
        "who",
        "will",
        "would",
        "could",
        "should",
        "from",
        "they",
        "them",
        "their",
        "there",
        "here",
        "about",
        "into",
        "than",
        "then",
        "too",
        "very",
        "its",
        "it's",
        "been",
        "being",
        "also",
        "more",
        "most",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "over",
        "again",
        "amp",
        "http",
        "https",
        "www",
        "com",
        "via",
        "still",
        "even",
        "back",
        "one",
        "two",
        "day",
        "today",
        "time",
        "really",
        "don't",
        "dont",
        "cant",
        "can't",
        "ich",
        "und",
        "die",
        "der",
        "das",
        "ist",
        "nicht",
        "ein",
        "eine",
        "mit",
        "den",
        "dem",
        "für",
        "auf",
        "sie",
        "wir",
        "ihr",
        "von",
        "sich",
        "des",
        "auch",
        "que",
        "los",
        "las",
        "del",
        "por",
        "una",
        "con",
        "para",
        "como",
        "pero",
        "más",
        "esta",
        "este",
        "son",
        "muy",
        "sus",
        "les",
        "des",
        "est",
        "une",
        "pour",
        "pas",
        "qui",
        "dans",
        "sur",
        "par",
        "avec",
        "vous",
        "nous",
        "mais",
        "plus",
        "che",
        "non",
        "per",
        "una",
        "con",
        "del",
        "della",
        "sono",
        "gli",
        "anche",
        "come",
        "più",
        "não",
        "uma",
        "com",
        "para",
        "por",
        "mais",
        "como",
        "mas",
        "dos",
        "das",
        "foi",
        "são",
        "nie",
        "jest",
        "się",
        "na",
        "to",
        "że",
        "do",
        "za",
        "jak",
        "ale",
        "tak",
        "już",
        "mnie",
        "mam",
        "być",
        "był",
        "tylko",
        "czy",
        "ten",
        "ta",
        "co",
        "po",
        "od",
        "przez",
    ]
)


def fold(text: str) -> str:
    """Lower case without diacritics, so "wyciek danych" also matches "WYCIEK DANYCH" and "wyciek dañych"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ł", "l"))
    return decomposed.translate(_COMBINING_MARKS)


class _WithoutCombiningMarks(dict[int, str | None]):
    """A ``str.translate`` table that drops combining marks and keeps every other character, filled
    as characters are first met: translating in C beats testing each character of every negative
    post in Python, and building the whole table up front cost a replay's start ~0.1 s."""

    def __missing__(self, code: int) -> str | None:
        character = chr(code)
        kept = None if unicodedata.combining(character) else character
        self[code] = kept
        return kept


_COMBINING_MARKS = _WithoutCombiningMarks()


def content_terms(text: str) -> set[str]:
    """The words of a post that can say what it is about: no links, handles, numbers or stopwords."""
    text = without_links_and_handles(text.lower())
    return {word for word in _WORD.findall(text) if word not in STOPWORDS and word != "rt"}


def dominant_cause(causes: Iterable[Cause | None]) -> Cause | None:
    counted = Counter(cause for cause in causes if cause is not None)
    return counted.most_common(1)[0][0] if counted else None


def top_by_reach(mentions: Sequence[EnrichedMention], count: int = 3) -> list[EnrichedMention]:
    ranked = sorted(mentions, key=lambda m: (-(m.mention.author_followers or 0), m.mention.created_at))
    return ranked[:count]


def examples_of(mentions: Sequence[EnrichedMention], count: int = 3) -> tuple[Example, ...]:
    return tuple(
        Example(
            mention_id=m.mention.external_id,
            author=m.mention.author,
            followers=m.mention.author_followers,
            text=_shorten(m.mention.text),
        )
        for m in top_by_reach(mentions, count)
    )


def reach_of(mentions: Iterable[EnrichedMention]) -> int | None:
    """Followers of the distinct authors behind the posts (an author posting twice counts once).

    None when no post carries a follower count (exports without them): unknown reach, not zero.
    Where only some do, the sum of the known counts."""
    by_author: dict[str, int] = {}
    for m in mentions:
        followers = m.mention.author_followers
        if followers is None:
            continue
        key = m.mention.author or m.mention.external_id
        by_author[key] = max(by_author.get(key, 0), followers)
    return sum(by_author.values()) if by_author else None


def minutes(span: timedelta) -> str:
    total = int(span.total_seconds() // 60)
    if total % 60:
        return f"{total} minutes"
    return f"{total // 60} hour" + ("s" if total >= 120 else "")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_TEXT_CHARS else text[: EXAMPLE_TEXT_CHARS - 1] + "…"
