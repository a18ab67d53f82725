"""What the detector and the response service wrote, said again in the reader's language.

The timeline and a crisis's reason are stored once, in English, with the facts behind them as
data (the signal's evidence, the step, the role, the draft). English readers get the stored text;
other readers get a sentence of the catalogue filled with the same facts, so nothing a reader sees
is in another language. What people typed (notes, reasons given by hand) is shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from stormwatch.i18n.catalogue import translate
from stormwatch.i18n.format import count, duration, number, percent
from stormwatch.playbook.models import Playbook

# One sentence per signal kind; the English is the catalogue key (the detector's own wording is
# richer and is what English readers see).
SIGNAL_SENTENCES = {
    "negative_surge": "Negative mentions rose to %(observed)s in %(window)s, %(ratio)s× the usual %(expected)s.",
    "newcomer_surge": (
        "Negative mentions by people new to the brand rose to %(observed)s in %(window)s, "
        "%(ratio)s× the usual %(expected)s."
    ),
    "volume_surge": "Mentions rose to %(observed)s in %(window)s, %(ratio)s× the usual %(expected)s.",
    "negative_share": "%(observed)s negative mentions in %(window)s, against a usual %(expected)s.",
    "negative_reach": "Reach-weighted negativity is %(ratio)s× its usual level in %(window)s.",
    "story": "%(observed)s people posted about the same story in %(window)s.",
    "trigger_terms": "%(observed)s negative mentions in %(window)s use trigger terms: %(terms)s.",
    "account_takeover": (
        "The brand's own account @%(handle)s posted %(observed)s time(s) in %(window)s unlike itself; "
        "it may have been taken over."
    ),
    "unanswered_customers": (
        "%(observed)s customers got no answer within the SLA in %(window)s, against a usual %(expected)s."
    ),
}
CAUSE_SENTENCE = "Most of it is about %(cause)s."
REACH_SENTENCE = "These posts reach %(reach)s followers."
SEVERITY_SENTENCE = "Severity %(severity)s."
# A reason tells the facts of the moment its crisis opened, escalated or reopened, at that moment's
# level; the badge beside it shows the level now. When they differ (the crisis eased one level at a
# time, or a merge raised it), the reason says so, or a reader sees "1" beside "severity 4".
EASED_SENTENCE = "Eased since to severity %(severity)s: no warning sign has held it at %(then)s."
RAISED_SENTENCE = "Raised since to severity %(severity)s."
UNKNOWN_SIGNAL = "Warning sign: %(observed)s posts in %(window)s."
CAUSE_WORDS = {
    "communication_error": "an unclear or inappropriate brand message",
    "negative_review": "negative reviews and opinions",
    "controversial_action": "a controversial campaign, ad or statement",
    "account_compromise": "a compromised brand account",
    "customer_service": "customer-service failures",
}
# What each timeline kind is called on screen (the stored kind is an identifier).
KIND_LABELS = {
    "opened": "opened",
    "escalated": "escalated",
    "deescalated": "de-escalated",
    "close_proposed": "closing proposed",
    "closed": "closed",
    "playbook": "playbook",
    "acknowledged": "acknowledged",
    "assigned": "assigned",
    "note": "note",
    "step_done": "step done",
    "step_overdue": "step overdue",
    "status": "status",
    "draft": "draft",
    "approved": "approved",
    "rejected": "rejected",
    "published": "published",
    "merged": "merged",
    "split": "split",
    "page": "paged",
    "escalation": "escalated to the next person",
    "page_sent": "page delivered",
    "page_failed": "page failed",
    "nobody_paged": "nobody paged",
    "review": "review",
    "playbook_change": "playbook change",
}
# What the drafter is asked for each placeholder of a template.
PLACEHOLDER_LABELS = {
    "issue": "What happened (one plain sentence)",
    "action": "What we are doing about it",
    "contact": "Where people get help",
    "customer": "Who the reply is to",
    "platform": "The network (e.g. Instagram)",
    "data_affected": "Which personal data",
    "brand": "Brand",
    "crisis_key": "Crisis",
    "cause": "Cause",
    "date": "Date",
    "time": "Time",
    "next_update": "Next update",
}
TEMPLATE_LABELS = {
    "holding_statement": "Holding statement",
    "reply": "Reply to a person",
    "update": "Update",
    "data_breach_notice": "Data-breach notice",
}


def label(table: Mapping[str, str], key: str, locale: str) -> str:
    """An identifier's name on screen; an unknown one (a custom playbook's) reads as words."""
    return translate(table.get(key, key.replace("_", " ")), locale)


def _(text: str, locale: str, **values: Any) -> str:
    translated = translate(text, locale)
    return translated % values if values else translated


def reason(stored: str, evidence: Mapping[str, Any] | None, locale: str, severity: int | None = None) -> str:
    """A crisis's reason: the stored English, or the same facts in ``locale``; with ``severity``
    (the crisis's level now), also how the level changed since the moment the reason tells of."""
    told = stored if locale == "en" or not evidence else signal_sentence(evidence, locale)
    change = severity_change(evidence, severity, locale)
    return f"{told} {change}" if change else told


def severity_change(evidence: Mapping[str, Any] | None, severity: int | None, locale: str) -> str:
    """The sentence for a level that moved since the reason's moment, or "" when it did not."""
    then = (evidence or {}).get("severity")
    if severity is None or not isinstance(then, int) or then == severity:
        return ""
    sentence = EASED_SENTENCE if severity < then else RAISED_SENTENCE
    return _(sentence, locale, severity=severity, then=then)


def signal_sentence(evidence: Mapping[str, Any], locale: str) -> str:
    kind = str(evidence.get("signal") or "")
    observed, expected = float(evidence.get("observed") or 0), float(evidence.get("expected") or 0)
    values = {
        "observed": number(observed, locale),
        "expected": number(round(expected, 1), locale),
        "ratio": number(round(observed / expected, 1), locale) if expected else "—",
        "window": duration(timedelta(minutes=int(evidence.get("window_minutes") or 60)), locale),
        "terms": ", ".join(str(term) for term in evidence.get("terms") or []),
        "handle": str(evidence.get("handle") or "?"),
    }
    if kind == "negative_share" and posts_share(evidence) is not None:
        values["expected"] = percent(posts_share(evidence) or 0, locale)
    parts = [_(SIGNAL_SENTENCES.get(kind, UNKNOWN_SIGNAL), locale, **values)]
    cause = evidence.get("cause")
    if isinstance(cause, str) and cause in CAUSE_WORDS:
        parts.append(_(CAUSE_SENTENCE, locale, cause=translate(CAUSE_WORDS[cause], locale)))
    if evidence.get("reach"):
        parts.append(_(REACH_SENTENCE, locale, reach=number(int(evidence["reach"]), locale)))
    if evidence.get("severity"):
        parts.append(_(SEVERITY_SENTENCE, locale, severity=evidence["severity"]))
    return " ".join(parts)


def posts_share(evidence: Mapping[str, Any]) -> float | None:
    share = evidence.get("usual_share")
    return float(share) if isinstance(share, int | float) else None


def timeline_message(event: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    """One timeline entry's message in ``locale`` (English: as stored)."""
    message, kind, data = str(event["message"]), str(event["kind"]), event.get("data") or {}
    if locale == "en":
        return message
    said = _SAYERS.get(kind)
    return said(message, data, locale, playbook) if said else message


def step_title(step_id: object, locale: str, playbook: Playbook | None) -> str:
    if playbook is not None:
        try:
            return translate(playbook.step(str(step_id)).title, locale)
        except KeyError:
            pass
    return str(step_id)


def role_title(role: object, locale: str, playbook: Playbook | None) -> str:
    if playbook is not None and str(role) in playbook.roles:
        return translate(playbook.roles[str(role)].title, locale)
    return translate(str(role), locale)


def _after(message: str, prefix: str) -> str:
    """What a person typed after the service's own words (``Status a → b. <note>``)."""
    match = re.match(prefix, message)
    return message[match.end() :].strip() if match else ""


def _with_note(text: str, note: str) -> str:
    return f"{text} {note}" if note else text


Sayer = Any


def _opened(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    if message.startswith("Opened by hand: "):
        return _("Opened by hand: %(reason)s", locale, reason=message.removeprefix("Opened by hand: "))
    if data.get("other_crisis"):
        return _(
            "Split off from %(key)s: %(reason)s",
            locale,
            key=data["other_crisis"],
            reason=_after(message, r"[^:]*: "),
        )
    return signal_sentence(data, locale)


def _escalated(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return (
        _("Escalated to severity %(severity)s.", locale, severity=data.get("severity"))
        + " "
        + signal_sentence({**data, "severity": None}, locale)
    )


def _deescalated(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _(
        "Lowered to severity %(severity)s: no warning sign at the higher level.",
        locale,
        severity=data.get("severity"),
    )


def _close_proposed(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("No new warning signs; Stormwatch proposes closing the crisis, a person decides.", locale)


def _closed(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("No new warning signs; closed as calm.", locale)


def _playbook(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    title = (
        translate(playbook.title, locale)
        if playbook and playbook.name == data.get("playbook")
        else data.get("playbook")
    )
    return _(
        "Runs the playbook %(title)s (version %(version)s).", locale, title=title, version=data.get("version")
    )


def _acknowledged(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    waited = data.get("waited")
    if waited is None:
        found = re.search(r"([\d.]+) min", message)
        waited = float(found.group(1)) if found else 0
    return _(
        "Acknowledged %(after)s after opening.",
        locale,
        after=duration(timedelta(minutes=float(waited)), locale),
    )


def _assigned(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _(
        "%(person)s is %(role)s.",
        locale,
        person=data.get("person"),
        role=role_title(data.get("role"), locale, playbook),
    )


def _note(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return message


def _step_done(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    late = data.get("late")
    if late is None:
        found = re.search(r"\(([\d.]+) min late\)", message)
        late = float(found.group(1)) if found else 0
    timing = (
        _("%(late)s late", locale, late=duration(timedelta(minutes=float(late)), locale))
        if float(late) > 0
        else _("on time", locale)
    )
    return _(
        "Done: %(step)s (%(timing)s).",
        locale,
        step=step_title(data.get("step"), locale, playbook),
        timing=timing,
    )


def _step_overdue(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _(
        "Overdue: %(step)s (%(role)s).",
        locale,
        step=step_title(data.get("step"), locale, playbook),
        role=role_title(data.get("role"), locale, playbook),
    )


def _status(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    if data.get("quiet"):
        return _(
            "Closed as calm: nobody acted on it within %(minutes)s min of the proposal to close it.",
            locale,
            minutes=data["quiet"],
        )
    previous, status = (
        translate(str(data.get("previous")), locale),
        translate(str(data.get("status")), locale),
    )
    text = _("Status %(previous)s → %(status)s.", locale, previous=previous, status=status)
    if message.endswith("(first public response)."):
        return _with_note(text, _("First public response.", locale))
    if message.endswith("Post-crisis review recorded."):
        return _with_note(text, _("Post-crisis review recorded.", locale))
    return _with_note(text, _after(message, r"Status [^.]*\."))


def _draft(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    if message.startswith("Revised"):
        return _("Revised draft #%(draft)s.", locale, draft=data.get("draft"))
    return _("Drafted #%(draft)s.", locale, draft=data.get("draft"))


def _approved(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("Approved draft #%(draft)s.", locale, draft=data.get("draft"))


def _rejected(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _with_note(
        _("Rejected draft #%(draft)s:", locale, draft=data.get("draft")), _after(message, r"[^:]*:")
    )


def _published(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    where = f"{data.get('target')} ({data['reference']})" if data.get("reference") else data.get("target")
    return _("Published draft #%(draft)s at %(where)s.", locale, draft=data.get("draft"), where=where)


def _merged(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("%(key)s was merged into this crisis.", locale, key=data.get("other_crisis"))


def _split(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    found = re.match(r"(\d+) signal\(s\) split off into (\S+): (.*)$", message, re.S)
    if not found:
        return message
    return _with_note(
        count(int(found.group(1)), "%(num)d signal split off into", "%(num)d signals split off into", locale)
        + f" {found.group(2)}:",
        found.group(3),
    )


def _page(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("Paging %(person)s.", locale, person=data.get("person"))


def _page_sent(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("Page delivered.", locale)


def _page_failed(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("Page not delivered.", locale)


def _nobody_paged(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _(
        "Nobody could be paged at severity %(severity)s: no reachable person holds the roles of the escalation chain.",
        locale,
        severity=data.get("severity"),
    )


def _review(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return _("Post-crisis review recorded.", locale)


def _playbook_change(message: str, data: Mapping[str, Any], locale: str, playbook: Playbook | None) -> str:
    return (
        _("Playbook change applied.", locale)
        if "applied" in message
        else _("Playbook change rejected.", locale)
    )


_SAYERS: dict[str, Sayer] = {
    "opened": _opened,
    "escalated": _escalated,
    "deescalated": _deescalated,
    "close_proposed": _close_proposed,
    "closed": _closed,
    "playbook": _playbook,
    "acknowledged": _acknowledged,
    "assigned": _assigned,
    "note": _note,
    "step_done": _step_done,
    "step_overdue": _step_overdue,
    "status": _status,
    "draft": _draft,
    "approved": _approved,
    "rejected": _rejected,
    "published": _published,
    "merged": _merged,
    "split": _split,
    "page": _page,
    "escalation": _page,
    "page_sent": _page_sent,
    "page_failed": _page_failed,
    "nobody_paged": _nobody_paged,
    "review": _review,
    "playbook_change": _playbook_change,
}
