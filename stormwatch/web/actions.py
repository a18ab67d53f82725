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
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.models import placeholders_in
from stormwatch.response import drafts, service
from stormwatch.response.models import ResponseDraft
from stormwatch.response.reply_times import reply_report
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand

T = TypeVar("T")


class ActionError(ValueError):
    """The action does not fit the crisis's state or the playbook; the message says why."""


def actor_name(principal: Principal) -> str:
    """The name the timeline shows; a user's display name is how the team file names people."""
    return principal.display_name or principal.actor


def _run(call: Callable[[], T]) -> T:
    try:
        return call()
    except (service.ResponseError, KeyError) as error:
        raise ActionError(str(error).strip("'\"")) from error


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


def draft(store: Store, principal: Principal, key: str, template: str, lang: str, text: str | None) -> int:
    """Draft from the playbook's template; with ``text`` the drafter's own wording replaces it.

    Own wording needs no template values: the template is drafted with its blanks marked and
    at once revised to the given text, so the timeline shows both.
    """
    actor = actor_name(principal)
    blanks = _run(lambda: _blanks(store, key, template, lang)) if text and text.strip() else {}
    draft_id = _run(
        lambda: drafts.draft_response(store, key, template, lang=lang, actor=actor, values=blanks)
    )
    if text and text.strip():
        _run(lambda: drafts.revise_draft(store, draft_id, text, actor))
    return draft_id


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
