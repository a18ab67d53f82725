"""What `crisis list`, `crisis show` and `status` print, in the reader's language (``--language`` or
STORMWATCH_LANGUAGE) with times in the workspace's zone: pure functions from the service's plain
dictionaries to lines and table cells, so the CLI only prints them.

The words are the web app's (:mod:`stormwatch.i18n.messages`): a status, cause, step, role or
timeline entry reads the same on the command line as in the crisis room.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from stormwatch.i18n import format as fmt
from stormwatch.i18n import messages
from stormwatch.i18n.catalogue import translate
from stormwatch.playbook.models import Playbook

# The English words are the catalogue's keys.
LIST_COLUMNS = ("crisis", "brand", "status", "sev", "cause", "opened at", "playbook", "owner")
STEP_COLUMNS = ("due", "step", "role", "done")
TIMELINE_COLUMNS = ("at", "what", "who", "message")
REPLY_COLUMNS = (
    "brand", "SLA", "need answer", "answered", "waiting", "breaches", "median min", "p90 min", "backlog",
)  # fmt: skip
PEOPLE_COLUMNS = ("person", "replies", "median min", "late")


def _(msgid: str, locale: str, /, **values: object) -> str:
    translated = translate(msgid, locale)
    return translated % values if values else translated


def when(iso: str | None, zone: ZoneInfo, locale: str) -> str:
    """A stored time as the reader writes it, in the team's zone ("4 gru 2026, 18:24"); "-" if none."""
    if not iso:
        return "-"
    return fmt.local_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")), zone, locale)


def cause(value: str | None, locale: str) -> str:
    return translate(value.replace("_", " "), locale) if value else "?"


def columns(names: tuple[str, ...], locale: str) -> list[str]:
    return [translate(name, locale) for name in names]


def list_row(row: Mapping[str, Any], zone: ZoneInfo, locale: str) -> list[str]:
    """One crisis of `crisis list`."""
    return [
        str(row["key"]),
        str(row["brand"]),
        translate(str(row["status"]), locale),
        str(row["severity"]),
        cause(row["cause"], locale),
        when(row["opened_at"], zone, locale),
        row["playbook"] or "-",
        row["owner"] or "-",
    ]


def heading(detail: Mapping[str, Any], locale: str) -> str:
    """`crisis show`'s first line: key, brand, status, severity, cause and playbook."""
    playbook = detail["playbook"]
    plan = (
        _("playbook %(name)s v%(version)s", locale, name=playbook["name"], version=playbook["version"])
        if playbook
        else "-"
    )
    return " · ".join(
        [
            f"{detail['key']} {detail['brand']}",
            translate(str(detail["status"]), locale),
            _("severity %(severity)s", locale, severity=detail["severity"]),
            cause(detail["cause"], locale) if detail["cause"] else translate("cause unknown", locale),
            plan,
        ]
    )


def reason(detail: Mapping[str, Any], locale: str) -> str:
    """Why the crisis was opened: the stored English, or the same facts said in ``locale``."""
    evidence = [event["data"] for event in detail["timeline"] if (event.get("data") or {}).get("signal")]
    return messages.reason(
        str(detail["reason"]), evidence[-1] if evidence else None, locale, int(detail["severity"])
    )


def people(detail: Mapping[str, Any], playbook: Playbook | None, locale: str) -> str:
    named = ", ".join(
        f"{a['person']} ({messages.role_title(a['role'], locale, playbook)})" for a in detail["assignments"]
    )
    return _("People: %(people)s", locale, people=named)


def step_row(step: Mapping[str, Any], playbook: Playbook | None, zone: ZoneInfo, locale: str) -> list[str]:
    if step["done_by"]:
        done = f"{step['done_by']} {when(step['done_at'], zone, locale)}"
    else:
        done = f"[red]{translate('overdue', locale)}[/red]" if step["overdue"] else ""
    title = (
        messages.step_title(step["id"], locale, playbook) if playbook else translate(step["title"], locale)
    )
    return [
        when(step["due_at"], zone, locale),
        f"{step['id']}: {title}",
        messages.role_title(step["role"], locale, playbook),
        done,
    ]


def draft_line(draft: Mapping[str, Any], locale: str) -> str:
    return _(
        "draft #%(id)s %(template)s (%(lang)s) %(status)s by %(person)s: %(text)s",
        locale,
        id=draft["id"],
        template=messages.label(messages.TEMPLATE_LABELS, str(draft["template"]), locale),
        lang=draft["lang"],
        status=translate(str(draft["status"]), locale),
        person=draft["drafted_by"],
        text=draft["text"],
    )


def timeline_row(
    event: Mapping[str, Any], playbook: Playbook | None, zone: ZoneInfo, locale: str
) -> list[str]:
    return [
        when(event["at"], zone, locale),
        messages.label(messages.KIND_LABELS, str(event["kind"]), locale),
        str(event["actor"]),
        messages.timeline_message(event, locale, playbook),
    ]


def backlog_line(workspace: str, pending: int, set_aside: int, open_crises: int, locale: str) -> str:
    """`stormwatch status`: one workspace's figures."""
    return _(
        "%(workspace)s: %(pending)s pending, %(set_aside)s set aside, %(open)s open crises",
        locale,
        workspace=workspace,
        pending=fmt.number(pending, locale),
        set_aside=fmt.number(set_aside, locale),
        open=fmt.number(open_crises, locale),
    )


def set_aside_line(item: Any, locale: str) -> str:
    """One set-aside mention; why it failed is the failing stage's own (English) words."""
    return _(
        "  set aside: mention %(id)s (%(brand)s, %(source)s/%(external)s), %(stage)s failed: %(reason)s",
        locale,
        id=item.mention_id,
        brand=item.brand,
        source=item.source,
        external=item.external_id,
        stage=item.stage,
        reason=item.reason,
    )


# `crisis review`: the figures a review measures, by their key in the review's figures.
REVIEW_FIGURES = {
    "minutes_to_detect": "minutes to detect",
    "minutes_to_acknowledge": "minutes to acknowledge",
    "minutes_to_first_response": "minutes to first response",
    "minutes_to_resolution": "minutes to resolution",
}
PHASES = {"before": "the day before", "during": "during the crisis", "after": "the day after"}


def review_figure(name: str, value: float | None, locale: str) -> str:
    return f"{translate(REVIEW_FIGURES[name], locale)}: {fmt.number(value, locale) if value is not None else '-'}"


def sentiment_line(phase: str, values: Mapping[str, Any], locale: str) -> str:
    """The brand's mood in one phase of the crisis: mentions, negative share, mean score."""
    if not values.get("mentions"):
        line = translate("no mentions", locale)
    else:
        share, score = values.get("negative_share"), values.get("mean_score")
        parts = [
            fmt.count(int(values["mentions"]), "%(num)d mention", "%(num)d mentions", locale),
            _("%(share)s negative", locale, share=fmt.percent(share, locale))
            if share is not None
            else translate("negative share unknown", locale),
        ]
        if score is not None:
            signed = ("+" if score >= 0 else "−") + fmt.number(round(abs(score), 2), locale)
            parts.append(_("mean score %(score)s", locale, score=signed))
        line = ", ".join(parts)
    return _(
        "sentiment %(phase)s: %(line)s", locale, phase=translate(PHASES.get(phase, phase), locale), line=line
    )


def change_line(path: str, key: str, locale: str) -> str:
    return _(
        "Proposed playbook change: %(path)s (someone else approves: `stormwatch crisis change %(key)s --approve`)",
        locale,
        path=path,
        key=key,
    )
