"""Dates, times, numbers, durations and plural forms as a reader of ``locale`` writes them (Babel).

Every function takes aware UTC datetimes (as stored) and the zone the reader lives in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, format_timedelta, get_timezone_name
from babel.numbers import format_decimal, format_percent

from stormwatch.i18n.catalogue import ngettext


def local_time(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """``18:24`` (pl) or ``6:24 PM`` (en), in the zone, with the zone's name only for UTC (a
    reader who lives in a zone does not need it named; UTC must be, or it reads as local)."""
    # CLDR puts a narrow no-break space before "PM"; not every network's font has one.
    text = format_time(moment, format="short", tzinfo=zone, locale=locale).replace("\u202f", " ")
    return f"{text} UTC" if zone.key == "UTC" else text


def local_datetime(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """``4 gru 2026, 18:24`` (pl) or ``Dec 4, 2026, 6:24 PM`` (en)."""
    # Babel's medium format has seconds; minutes are what a crisis team works in.
    text = format_datetime(moment, _without_seconds(locale), tzinfo=zone, locale=locale).replace(
        "\u202f", " "
    )
    return f"{text} UTC" if zone.key == "UTC" else text


def _without_seconds(locale: str) -> str:
    return "d MMM y, HH:mm" if locale == "pl" else "MMM d, y, h:mm a"


def local_date(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    return format_date(moment.astimezone(zone).date(), format="long", locale=locale)


def zone_name(zone: ZoneInfo, locale: str) -> str:
    """What a reader calls the zone ("czas środkowoeuropejski", "Central European Time", "UTC")."""
    if zone.key == "UTC":
        return "UTC"
    return str(get_timezone_name(zone, locale=locale))


def number(value: float, locale: str) -> str:
    """``1 234,5`` (pl) or ``1,234.5`` (en)."""
    return str(format_decimal(value, locale=locale))


def percent(value: float, locale: str) -> str:
    return str(format_percent(value, locale=locale))


def duration(span: timedelta, locale: str) -> str:
    """``3 godziny`` / ``3 hours``: the largest sensible unit, plural forms included."""
    return str(format_timedelta(span, threshold=1.5, locale=locale))


def count(n: int, singular: str, plural: str, locale: str) -> str:
    """``n`` and the English ``singular``/``plural`` translated with the language's plural forms
    ("1 dzień", "2 dni", "5 dni"; "1 wzmianka", "3 wzmianki", "5 wzmianek")."""
    return ngettext(singular, plural, n, locale).replace("%(num)d", number(n, locale))
