"""Which of the workspace's brands a post names: every brand's terms matched at once.

A network's whole public stream carries thousands of posts a second and a workspace may hold a
thousand brands, so the terms of all brands go into one Aho-Corasick automaton (``pyahocorasick``,
C): one pass over a post finds every term of every brand, however many there are. Text and terms
are folded the same way first (case, diacritics, Polish ``ł``, full-width forms, runs of white
space), so "ZABKA", "Żabka" and "żabka" are one term; a hit counts only on word boundaries, so
"Orlen" does not match "Orlenowski" -- unless the term ends in ``*`` (``"żab*"`` for Polish
inflection: Żabka, Żabce, Żabki, Żabką).

What attributes a post to a brand: its name, its keywords (aliases) and its own handles. Trigger
terms ("boycott", "data leak") are shared by many brands and name none of them, so a trigger term
alone never keeps a post; it is reported with the brand's hit so that callers can see it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

# Letters NFKD does not take apart (they are letters of their own, not a base plus an accent).
_LETTERS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŀ": "l", "ı": "i", "æ": "ae", "œ": "oe"})
_HAS_LETTERS = re.compile("[łđøħŀıæœ]")
_MARKS = re.compile(r"[\u0300-\u036f]+")
# Scripts written without spaces between words (CJK, kana, Thai...) start at U+2E80 (and Thai at
# U+0E00): a brand name there has no word boundary to check, any hit inside the text counts.
_UNSPACED = ((0x0E00, 0x0EFF), (0x2E80, 0xD7FF), (0xF900, 0xFAFF))

NAME, KEYWORD, HANDLE, TRIGGER = "name", "keyword", "handle", "trigger"
ATTRIBUTING = frozenset({NAME, KEYWORD, HANDLE})
MIN_TERM_LENGTH = 2  # a one-letter term would match half the network


def fold(text: str) -> str:
    """``text`` lower-cased, without diacritics, compatibility forms unified, white space single."""
    text = text.casefold()
    if not text.isascii():
        if _HAS_LETTERS.search(text):  # translate() is slow per character; most texts have none
            text = text.translate(_LETTERS)
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.split())  # faster than a regex; the same for matching


def _spaced(char: str) -> bool:
    code = ord(char)
    return not any(low <= code <= high for low, high in _UNSPACED)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True)
class Term:
    """One term of one brand as written in the workspace, and how it is matched."""

    brand: str
    kind: str  # NAME, KEYWORD, HANDLE or TRIGGER
    written: str
    prefix: bool  # written with a trailing '*': no boundary needed after it


@dataclass(frozen=True, slots=True)
class _Key:
    length: int
    check_start: bool  # the term begins with a letter of a spaced script: a boundary is needed before it
    check_end: bool
    terms: tuple[Term, ...]


@dataclass
class BrandHit:
    """What one post says of one brand: the attributing terms and any trigger terms found."""

    brand: str
    terms: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BrandTerms:
    """One brand's terms as the workspace gives them."""

    name: str
    keywords: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()

    def terms(self) -> Iterable[tuple[str, str]]:
        yield NAME, self.name
        for keyword in self.keywords:
            yield KEYWORD, keyword
        for handle in self.handles:
            yield HANDLE, handle
        for trigger in self.triggers:
            yield TRIGGER, trigger


class BrandMatcher:
    """Finds, in one pass, which brands a text names (and the trigger terms near them)."""

    def __init__(self, brands: Iterable[BrandTerms]) -> None:
        grouped: dict[str, list[Term]] = {}
        brands = list(brands)
        self.brands: list[str] = [brand.name for brand in brands]
        self._order = {name: index for index, name in enumerate(self.brands)}
        for brand in brands:
            for kind, written in brand.terms():
                keys, term = _term(brand.name, kind, written)
                for key in keys:
                    grouped.setdefault(key, []).append(term)
        self.term_count = sum(len(terms) for terms in grouped.values())
        self._automaton = ahocorasick.Automaton()
        for key, terms in grouped.items():
            self._automaton.add_word(key, _key(key, terms))
        self._empty = not grouped
        if grouped:
            self._automaton.make_automaton()

    def match(self, text: str) -> list[BrandHit]:
        """The brands ``text`` names, in workspace order; empty when it names none."""
        if self._empty:
            return []
        folded = fold(text)
        hits: dict[str, BrandHit] = {}
        for end, key in self._automaton.iter(folded):
            for term in _terms_on_boundaries(folded, end + 1 - key.length, end, key):
                hit = hits.get(term.brand)
                if hit is None:
                    hit = hits[term.brand] = BrandHit(term.brand)
                (hit.triggers if term.kind == TRIGGER else hit.terms).append(term.written)
        if not hits:
            return []
        found = sorted((hit for hit in hits.values() if hit.terms), key=lambda hit: self._order[hit.brand])
        for hit in found:  # the same words may be both the name and a keyword: say each once
            hit.terms = list(dict.fromkeys(hit.terms))
            hit.triggers = list(dict.fromkeys(hit.triggers))
        return found


def term_keys(written: str) -> list[str]:
    """The folded forms a written term is looked for as: itself, and a name of several words also
    written as one, as hashtags and handles write it ("Northwind Air" -> "#NorthwindAir")."""
    # '@' and '#' are optional in the workspace ("@northwindair", "#northwind"): in a post they are
    # punctuation before the word, which the boundary check already allows.
    key = fold(written.strip().rstrip("*").strip().lstrip("@#")).strip()
    if len(key) < MIN_TERM_LENGTH:
        return []
    joined = key.replace(" ", "")
    return [key, joined] if joined != key else [key]


def _term(brand: str, kind: str, written: str) -> tuple[list[str], Term]:
    return term_keys(written), Term(brand, kind, written, written.rstrip().endswith("*"))


def _key(key: str, terms: list[Term]) -> _Key:
    return _Key(len(key), _spaced(key[0]), _spaced(key[-1]), tuple(terms))


def _terms_on_boundaries(text: str, start: int, end: int, key: _Key) -> tuple[Term, ...]:
    """The key's terms that this hit counts for: none inside a word, only prefix terms before its end."""
    if key.check_start and start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
        return ()
    if key.check_end and end + 1 < len(text) and _word_char(text[end + 1]) and _word_char(text[end]):
        # One key may be an exact term of one brand and a prefix term ("żabk*") of another.
        return tuple(term for term in key.terms if term.prefix)
    return key.terms
