"""Refusals a person reads (the web app's flash messages and error pages, the CLI's red line), said in
the reader's language.

A refusal keeps its English sentence as a catalogue key (``msgid``, with ``%(name)s`` blanks) and
the facts that fill it as data, so the same refusal is said in English to one reader and in Polish
to another; ``str()`` of it is the English (logs, the API's JSON, existing callers). Every msgid
raised in the code must have a Polish translation (tests/i18n/test_refusals.py finds them all).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stormwatch.i18n import format as fmt
from stormwatch.i18n.catalogue import LOCALES, translate

LANGUAGE_ENV = "STORMWATCH_LANGUAGE"


class Term(str):
    """A word of the catalogue used as a refusal's fact (a status, a role): said in the reader's
    language, unlike names and keys, which are shown as they are."""

    __slots__ = ()


class Number(float):
    """A figure of a phrase: written as the reader writes numbers ("12,5" in Polish)."""

    __slots__ = ()


class Share(float):
    """A share (0.25) of a phrase: written as the reader writes percentages ("25%")."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sentence of the catalogue and the facts that fill it, said when the reader is known
    (a refusal is one that is raised)."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def said_in(self, locale: str) -> str:
        values = {name: said(value, locale) for name, value in self.params.items()}
        return translate(self.msgid, locale) % values

    def __str__(self) -> str:
        return self.said_in("en")


class Refusal(Exception):
    """Something a person asked for that cannot be done, and why, in any language of the catalogue."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.phrase = Phrase(msgid, params)
        super().__init__(self.phrase.said_in("en"))

    @property
    def msgid(self) -> str:
        return self.phrase.msgid

    def said_in(self, locale: str) -> str:
        return self.phrase.said_in(locale)


def said(value: object, locale: str) -> str:
    """One fact of a refusal as the reader of ``locale`` reads it."""
    if isinstance(value, (Refusal, Phrase)):
        return value.said_in(locale)
    if isinstance(value, Share):
        return fmt.percent(value, locale)
    if isinstance(value, Number):
        return fmt.number(value, locale)
    if isinstance(value, Term):
        return translate(str(value), locale)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(said(item, locale) for item in _ordered(value))
    return str(value)


def _ordered(values: Iterable[object]) -> list[object]:
    return sorted(values, key=str) if isinstance(values, (set, frozenset)) else list(values)


def said_in(error: BaseException, locale: str) -> str:
    """Any error in ``locale`` when it is a refusal, else its own (English) message."""
    return error.said_in(locale) if isinstance(error, Refusal) else str(error)


def cli_language(chosen: str | None = None) -> str:
    """The language of the CLI's output: ``--language``, else ``STORMWATCH_LANGUAGE``, else English.

    Raises ValueError naming both for a language Stormwatch does not speak.
    """
    language = (chosen or os.environ.get(LANGUAGE_ENV) or "en").strip().lower()
    if language not in LOCALES:
        raise ValueError(
            f"language {language!r} is not one of {', '.join(LOCALES)} (--language or {LANGUAGE_ENV})"
        )
    return language


def cli_said(error: BaseException) -> str:
    """``error`` in the CLI's language (STORMWATCH_LANGUAGE); English when that is not one we speak."""
    return said_in(error, cli_locale())


def cli_locale() -> str:
    """The CLI's language for an error line: English when STORMWATCH_LANGUAGE is not one we speak
    (the error being told may be that very one)."""
    try:
        return cli_language()
    except ValueError:
        return "en"


def cli_line(msgid: str, **values: object) -> str:
    """A line a command prints, in the CLI's language (``values`` as the reader of it writes them)."""
    locale = cli_locale()
    translated = translate(msgid, locale)
    return (
        translated % {name: said(value, locale) for name, value in values.items()} if values else translated
    )


def cli_error_line(error: BaseException) -> str:
    """``error:`` and the error, both in the CLI's language (rich markup, the error escaped)."""
    from rich.markup import escape

    locale = cli_locale()
    return f"[red]{escape(translate('error:', locale))}[/red] {escape(said_in(error, locale))}"
