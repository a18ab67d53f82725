"""The interface in English and Polish: what the templates call to say things in the reader's
language, with dates and times in the team's zone (catalogue and formats: :mod:`stormwatch.i18n`).

A user's language is stored with the account; visitors of the read-only demo choose with a cookie
(or get their browser's language).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from stormwatch.i18n import format as fmt
from stormwatch.i18n import messages
from stormwatch.i18n.catalogue import translate
from stormwatch.playbook.models import Playbook


def translator(locale: str) -> Callable[[str], str]:
    return lambda text: translate(text, locale)


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))


def helpers(locale: str, zone: ZoneInfo, playbook: Playbook | None = None) -> dict[str, Any]:
    """The functions every template gets: ``_``, plural counts, local dates, numbers, and the
    timeline, reasons, steps and roles in the reader's language."""

    def when(value: str | datetime | None) -> str:
        moment = _moment(value)
        return fmt.local_datetime(moment, zone, locale) if moment else ""

    def clock(value: str | datetime | None) -> str:
        moment = _moment(value)
        return fmt.local_time(moment, zone, locale) if moment else ""

    return {
        "_": translator(locale),
        "locale": locale,
        "zone_name": fmt.zone_name(zone, locale),
        "zone_key": zone.key,
        "when": when,
        "clock": clock,
        "num": lambda value: fmt.number(value, locale),
        "count": lambda n, singular, plural: fmt.count(int(n), singular, plural, locale),
        "event_message": lambda event: messages.timeline_message(event, locale, playbook),
        "reason": lambda stored, evidence, severity=None: messages.reason(stored, evidence, locale, severity),
        "signal_text": lambda evidence: messages.signal_sentence(evidence, locale),
        "step_title": lambda step_id, title: (
            messages.step_title(step_id, locale, playbook) if playbook else translate(title, locale)
        ),
        "role_title": lambda role: messages.role_title(role, locale, playbook),
        "checklist_item": lambda text: translate(text, locale),
        "template_title": lambda name: messages.label(messages.TEMPLATE_LABELS, name, locale),
        "kind_label": lambda kind: messages.label(messages.KIND_LABELS, kind, locale),
        "placeholder_label": lambda name: messages.label(messages.PLACEHOLDER_LABELS, name, locale),
        "playbook_title": lambda: translate(playbook.title, locale) if playbook else "",
    }
