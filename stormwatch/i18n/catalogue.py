"""The translation catalogue: English text is the key, ``pl.po`` (gettext, read with Babel) holds
the Polish, plural forms included. Loaded once; nothing is downloaded or compiled at build time."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGUE_DIR = Path(__file__).parent
LOCALES = ("en", "pl")


@cache
def catalog(locale: str) -> Catalog:
    with (CATALOGUE_DIR / f"{locale}.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@cache
def _translations(locale: str) -> gettext.NullTranslations:
    if locale == "en":
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalog(locale))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(text: str, locale: str) -> str:
    """``text`` in ``locale``; English (the key) when the catalogue lacks it."""
    return _translations(locale).gettext(text) if text else text


def ngettext(singular: str, plural: str, n: int, locale: str) -> str:
    return _translations(locale).ngettext(singular, plural, n)


def has(text: str, locale: str) -> bool:
    """Whether the catalogue translates ``text`` (English needs no catalogue)."""
    if locale == "en":
        return True
    message = catalog(locale).get(text)
    return message is not None and bool(message.string) and not message.fuzzy
