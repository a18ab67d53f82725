"""Crisis-room actions of the web app, delegated to the response service (:mod:`stormwatch.response`).

The routes have already checked the caller's permission and that the crisis (or draft) belongs
to the caller's workspace; here the caller becomes the actor the response service records in
the timeline, and its refusals become :class:`ActionError` with the service's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from stormwatch.auth.service import Principal
from stormwatch.crisis.models import Crisis
from stormwatch.detection.models import SignalRecord
from stormwatch.i18n.refusal import Refusal
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.models import placeholders_in
from stormwatch.response import drafts, review, service
from stormwatch.response.lifecycle import OPEN_STATUSES
from stormwatch.response.models import ResponseDraft
from stormwatch.response.reply_times import reply_report
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand

T = TypeVar("T")


class ActionError(Refusal, ValueError):
    """The action does not fit the crisis's state or the playbook; the message says why."""


def actor_name(principal: Principal) -> str:
    """The name the timeline shows; a user's display name is how the team file names people."""
    return principal.display_name or principal.actor


def _run(call: Callable[[], T]) -> T:
    try:
        return call()
    except (service.ResponseError, KeyError) as error:
        raise ActionError(
            "%(reason)s", reason=error if isinstance(error, Refusal) else str(error).strip("'\"")
        ) from error


def acknowledge(store: Store, principal: Principal, key: str) -> None:
    if not _run(lambda: service.acknowledge(store, key, actor_name(principal))):
        raise ActionError("the crisis is already acknowledged")


def add_note(store: Store, principal: Principal, key: str, text: str) -> None:
    _run(lambda: service.add_note(store, key, text, actor_name(principal)))


def assign(store: Store, principal: Principal, key: str, role: str, person: str) -> None:
    _run(lambda: service.assign(store, key, role, person, actor_name(principal)))


def set_status(store: Store, principal: Principal, key: str, status: str, note: str = "") -> None:
    _run(lambda: service.set_status(store, key, status, actor_name(principal), note))


def complete_step(store: Store, principal: Principal, key: str, step_id: str) -> None:
    _run(lambda: service.complete_step(store, key, step_id, actor_name(principal)))


def draft(
    store: Store,
    principal: Principal,
    key: str,
    template: str,
    lang: str,
    text: str | None,
    values: dict[str, str] | None = None,
) -> int:
    """Draft from the playbook's template filled with ``values``; with ``text`` (the previewed text
    as the drafter edited it) that wording replaces the filled template.

    Own wording needs no template values: the template is drafted with its missing blanks marked
    and at once revised to the given text, so the timeline shows both.
    """
    actor = actor_name(principal)
    given = {name: value for name, value in (values or {}).items() if value.strip()}
    own = bool(text and text.strip())
    unfilled = [
        name for name in _run(lambda: _blanks(store, key, template, lang)) if f"[{name}]" in (text or "")
    ]
    if unfilled:
        raise ActionError("fill in: %(names)s", names=unfilled)
    blanks = _run(lambda: _blanks(store, key, template, lang)) if own else {}
    draft_id = _run(
        lambda: drafts.draft_response(store, key, template, lang=lang, actor=actor, values=blanks | given)
    )
    if text and own and _differs(store, key, draft_id, text):
        _run(lambda: drafts.revise_draft(store, draft_id, text, actor))
    return draft_id


def _differs(store: Store, key: str, draft_id: int, text: str) -> bool:
    current = next(d["text"] for d in service.crisis_detail(store, key)["drafts"] if d["id"] == draft_id)
    return " ".join(current.split()) != " ".join(text.split())


def template_form(store: Store, key: str, template: str, lang: str) -> dict[str, Any]:
    return _run(lambda: drafts.template_form(store, key, template, lang))


def merge(store: Store, principal: Principal, key: str, into: str) -> None:
    _run(lambda: service.merge(store, key, into, actor_name(principal)))


def split(
    store: Store, principal: Principal, key: str, signal_ids: list[int], reason: str, library: PlaybookLibrary
) -> str:
    if not signal_ids:
        raise ActionError("choose the signals that belong to the other story")
    return _run(
        lambda: service.split(
            store, key, signal_ids, actor=actor_name(principal), reason=reason, library=library
        )
    )


def write_review(
    store: Store, principal: Principal, key: str, what_worked: str, what_to_improve: str, lessons: list[str]
) -> None:
    _run(
        lambda: review.create_review(
            store,
            key,
            actor_name(principal),
            what_worked=what_worked,
            what_to_improve=what_to_improve,
            lessons=lessons,
        )
    )


def signals_of(store: Store, key: str) -> list[dict[str, Any]]:
    """The crisis's signals, for choosing which to split off."""
    with store.session() as session:
        crisis = service.get_crisis(session, key)
        rows = session.scalars(
            select(SignalRecord).where(SignalRecord.crisis_id == crisis.id).order_by(SignalRecord.at)
        )
        return [
            {
                "id": s.id,
                "kind": s.kind,
                "at": s.at,
                "observed": s.observed,
                "evidence": s.evidence | {"signal": s.kind},
            }
            for s in rows
        ]


def merge_targets(store: Store, key: str) -> list[dict[str, Any]]:
    """Other open crises of the same brand, which this one could be merged into."""
    with store.session() as session:
        crisis = service.get_crisis(session, key)
        rows = session.scalars(
            select(Crisis).where(
                Crisis.brand_id == crisis.brand_id, Crisis.id != crisis.id, Crisis.status.in_(OPEN_STATUSES)
            )
        )
        return [{"key": c.key, "opened_at": c.opened_at, "severity": c.severity} for c in rows]


def _blanks(store: Store, key: str, template: str, lang: str) -> dict[str, str]:
    with store.session() as session:
        playbook = service.plan_of(session, service.get_crisis(session, key))
    texts = playbook.templates.get(template, {}) if playbook else {}
    return {name: f"[{name}]" for name in placeholders_in(texts.get(lang, ""))}


def approve(store: Store, principal: Principal, draft_id: int) -> None:
    _run(lambda: drafts.approve_response(store, draft_id, actor_name(principal)))


def reject(store: Store, principal: Principal, draft_id: int, note: str) -> None:
    _run(lambda: drafts.reject_response(store, draft_id, actor_name(principal), note))


def crisis_of_draft(store: Store, workspace_id: int, draft_id: int) -> str | None:
    """The key of the draft's crisis if the draft belongs to the workspace, else None."""
    with store.session() as session:
        return session.scalar(
            select(Crisis.key)
            .join(ResponseDraft, ResponseDraft.crisis_id == Crisis.id)
            .join(Brand, Brand.id == Crisis.brand_id)
            .where(ResponseDraft.id == draft_id, Brand.workspace_id == workspace_id)
        )


def response_view(store: Store, key: str) -> dict[str, Any]:
    """Playbook, steps with deadlines, owners, pages, drafts and review of a crisis."""
    detail = service.crisis_detail(store, key)
    return {name: detail[name] for name in ("playbook", "assignments", "steps", "pages", "drafts", "review")}


def templates_of(library: PlaybookLibrary, playbook: dict[str, Any] | None) -> dict[str, list[str]]:
    """Template name -> languages, for the draft form."""
    if playbook is None or playbook["name"] not in library.playbooks:
        return {}
    return {name: sorted(texts) for name, texts in library.get(playbook["name"]).playbook.templates.items()}


def playbooks(library: PlaybookLibrary) -> list[dict[str, Any]]:
    return [playbook_view(loaded.playbook.model_dump(mode="json")) for loaded in library.playbooks.values()]


def playbook_view(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": content["name"],
        "version": content["version"],
        "title": content["title"],
        "applies_to": content["applies_to"],
        "summary": content["summary"],
        "roles": sorted(content["roles"]),
        "steps": [
            {"id": s["id"], "title": s["title"], "role": s["role"], "due_minutes": s["due_minutes"]}
            for s in sorted([*content["steps"], *content["security_steps"]], key=lambda s: s["due_minutes"])
        ],
        "templates": {name: sorted(texts) for name, texts in content["templates"].items()},
    }


def response_times(
    store: Store, workspace_id: int, brand: str | None, days: int, until: datetime | None = None
) -> dict[str, Any]:
    now = until or datetime.now(UTC)
    report = reply_report(store, workspace_id, brand=brand, since=now - timedelta(days=days), now=now)
    return {
        "since": (now - timedelta(days=days)).isoformat().replace("+00:00", "Z"),
        "until": now.isoformat().replace("+00:00", "Z"),
        "sla_minutes": report.sla_minutes,
        "brands": {name: asdict(stats) for name, stats in report.brands.items()},
        "people": {name: asdict(stats) for name, stats in report.people.items()},
    }
