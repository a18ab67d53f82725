"""Public texts for a crisis: drafted from the playbook's templates, approved by another person,
and recorded where they were published.

The four-eyes rule is enforced here, not in the interface: the approver is never the drafter, and
must hold one of the roles the playbook lets approve.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.crisis.manager import CAUSE_WORDS
from stormwatch.crisis.models import Crisis
from stormwatch.drill.marking import is_drill
from stormwatch.drill.sandbox import SandboxPublisher
from stormwatch.i18n.format import local_date, local_time
from stormwatch.i18n.refusal import Term
from stormwatch.i18n.zones import workspace_zone
from stormwatch.playbook.models import Playbook, placeholders_in
from stormwatch.response.models import Publication, ResponseDraft
from stormwatch.response.publishing import OutgoingPost, Publisher, PublishError
from stormwatch.response.service import (
    ResponseError,
    brand_of,
    complete_template_steps,
    get_crisis,
    plan_of,
    team_for,
    utc_now,
)
from stormwatch.response.timeline import record
from stormwatch.store.db import Store

CAUSE_WORDS_PL = {
    "communication_error": "niefortunny komunikat marki",
    "negative_review": "negatywne opinie",
    "controversial_action": "kontrowersyjna kampania lub wypowiedź",
    "account_compromise": "przejęte konto marki",
    "customer_service": "problemy z obsługą klienta",
}


def fill_template(
    playbook: Playbook, template: str, lang: str, automatic: dict[str, str], given: dict[str, str]
) -> str:
    """The template's text with every placeholder filled; raises if a value is missing."""
    texts = playbook.templates.get(template)
    if texts is None:
        raise ResponseError(
            "playbook %(playbook)s has no template '%(template)s'; templates: %(templates)s",
            playbook=playbook.name,
            template=template,
            templates=list(playbook.templates),
        )
    if lang not in texts:
        raise ResponseError(
            "template '%(template)s' has no text in '%(lang)s'; languages: %(languages)s",
            template=template,
            lang=lang,
            languages=list(texts),
        )
    unknown = set(given) - set(placeholders_in(texts[lang]))
    if unknown:
        raise ResponseError(
            "template '%(template)s' has no placeholder %(names)s", template=template, names=sorted(unknown)
        )
    values = automatic | playbook.defaults_for(lang) | {k: v for k, v in given.items() if v.strip()}
    missing = [name for name in placeholders_in(texts[lang]) if name not in values]
    if missing:
        flags = " ".join(f"--set {name}=..." for name in missing)
        raise ResponseError(
            "template '%(template)s' needs values for %(names)s (%(flags)s)",
            template=template,
            names=missing,
            flags=flags,
        )
    return texts[lang].format(**values)


def automatic_values(
    playbook: Playbook, crisis: Crisis, brand: str, lang: str, now: datetime, zone: ZoneInfo
) -> dict[str, str]:
    """What Stormwatch fills itself, in the text's language and the team's local time (a reader
    in Warsaw reads "do 18:24", not "17:24 UTC")."""
    rule = playbook.rule_for(crisis.severity)
    next_update = now + timedelta(minutes=rule.update_every_minutes)
    causes = CAUSE_WORDS_PL if lang == "pl" else CAUSE_WORDS
    return {
        "brand": brand,
        "crisis_key": crisis.key,
        "cause": causes.get(crisis.cause or "", "—"),
        "date": local_date(now, zone, lang),
        "time": local_time(now, zone, lang),
        "next_update": local_time(next_update, zone, lang),
    }


def template_form(
    store: Store, key: str, template: str, lang: str, now: datetime | None = None
) -> dict[str, Any]:
    """What the drafter needs to fill a template: its text and every placeholder with the value
    Stormwatch would use (automatic, the playbook's default in that language, or empty)."""
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        playbook = _playbook(session, crisis)
        texts = playbook.templates.get(template)
        if texts is None or lang not in texts:
            raise ResponseError(
                "playbook %(playbook)s has no template '%(template)s' in '%(lang)s'",
                playbook=playbook.name,
                template=template,
                lang=lang,
            )
        brand = brand_of(session, crisis)
        zone = workspace_zone(session, brand.workspace_id, brand)
        automatic = automatic_values(playbook, crisis, brand.name, lang, now, zone)
        known = automatic | playbook.defaults_for(lang)
        return {
            "template": template,
            "lang": lang,
            "text": texts[lang],
            "fields": [
                {"name": name, "value": known.get(name, ""), "automatic": name in automatic}
                for name in dict.fromkeys(placeholders_in(texts[lang]))
            ],
        }


def draft_response(
    store: Store,
    key: str,
    template: str,
    *,
    lang: str,
    actor: str,
    values: dict[str, str] | None = None,
    now: datetime | None = None,
) -> int:
    """Draft a text from the crisis's playbook template; returns the draft's id."""
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        playbook = _playbook(session, crisis)
        brand = brand_of(session, crisis)
        zone = workspace_zone(session, brand.workspace_id, brand)
        automatic = automatic_values(playbook, crisis, brand.name, lang, now, zone)
        text = fill_template(playbook, template, lang, automatic, values or {})
        draft = ResponseDraft(
            crisis_id=crisis.id,
            template=template,
            lang=lang,
            text=text,
            status="draft",
            drafted_by=actor,
            drafted_at=now,
        )
        session.add(draft)
        session.flush()
        record(
            session,
            crisis,
            "draft",
            actor,
            f"Drafted {template} ({lang}) #{draft.id}.",
            now,
            draft=draft.id,
            text=text,
        )
        return draft.id


def revise_draft(store: Store, draft_id: int, text: str, actor: str, now: datetime | None = None) -> None:
    """Change a draft's wording; the one who revises it becomes its drafter (so cannot approve it)."""
    now = utc_now(now)
    if not text.strip():
        raise ResponseError("a draft cannot be empty")
    with store.session() as session:
        draft, crisis = _draft(session, draft_id)
        if draft.status != "draft":
            raise ResponseError(
                "draft #%(draft)s is %(status)s; draft a new one instead",
                draft=draft_id,
                status=Term(draft.status),
            )
        leftover = re.findall(r"\{[a-z_]+\}", text)
        if leftover:
            raise ResponseError("the text still has unfilled placeholders: %(names)s", names=leftover)
        draft.text, draft.drafted_by, draft.drafted_at = text.strip(), actor, now
        record(
            session,
            crisis,
            "draft",
            actor,
            f"Revised draft #{draft_id}.",
            now,
            draft=draft_id,
            text=draft.text,
        )


def approve_response(
    store: Store, draft_id: int, actor: str, note: str = "", now: datetime | None = None
) -> None:
    now = utc_now(now)
    with store.session() as session:
        draft, crisis = _draft(session, draft_id)
        _check_can_decide(session, draft, crisis, actor)
        draft.status, draft.decided_by, draft.decided_at, draft.decision_note = (
            "approved",
            actor,
            now,
            note or None,
        )
        record(
            session,
            crisis,
            "approved",
            actor,
            f"Approved draft #{draft_id} by {draft.drafted_by}.",
            now,
            draft=draft_id,
        )


def reject_response(store: Store, draft_id: int, actor: str, note: str, now: datetime | None = None) -> None:
    now = utc_now(now)
    if not note.strip():
        raise ResponseError("say why the draft is rejected, so the drafter can fix it")
    with store.session() as session:
        draft, crisis = _draft(session, draft_id)
        _check_can_decide(session, draft, crisis, actor)
        draft.status, draft.decided_by, draft.decided_at, draft.decision_note = "rejected", actor, now, note
        record(session, crisis, "rejected", actor, f"Rejected draft #{draft_id}: {note}", now, draft=draft_id)


def _check_can_decide(session: Session, draft: ResponseDraft, crisis: Crisis, actor: str) -> None:
    if draft.status != "draft":
        raise ResponseError(
            "draft #%(draft)s is already %(status)s (by %(person)s)",
            draft=draft.id,
            status=Term(draft.status),
            person=draft.decided_by,
        )
    if actor.strip().casefold() == draft.drafted_by.strip().casefold():
        raise ResponseError(
            "%(person)s drafted #%(draft)s; someone else must approve it (four-eyes rule)",
            person=actor,
            draft=draft.id,
        )
    playbook = _playbook(session, crisis)
    people = {person.name: person for person in team_for(session, crisis)}
    if not people:
        return  # a workspace without a team file: the four-eyes rule is all that can be checked
    person = people.get(actor)
    allowed = playbook.approval.roles
    if person is None or not set(person.roles) & set(allowed):
        raise ResponseError(
            "%(person)s may not approve public texts; the playbook asks for one of: %(roles)s",
            person=actor,
            roles=list(allowed),
        )


def publish_response(
    store: Store,
    draft_id: int,
    publisher: Publisher,
    actor: str,
    *,
    reply_to: str | None = None,
    now: datetime | None = None,
) -> int:
    """Send an approved draft through ``publisher`` and record it; returns the publication's id."""
    now = utc_now(now)
    with store.session() as session:
        draft, crisis = _draft(session, draft_id)
        _check_approved(draft)
        post = OutgoingPost(
            brand=brand_of(session, crisis).name,
            crisis_key=crisis.key,
            text=draft.text,
            lang=draft.lang,
            template=draft.template,
            reply_to=reply_to,
        )
        if is_drill(session, crisis.workspace_id):
            # Whatever publisher the caller chose (a connector, a webhook), a drill's text stays
            # in the sandbox: the drill scores it, no network ever sees it.
            publisher = SandboxPublisher()
    try:
        receipt = publisher.publish(post)
    except PublishError as error:
        raise ResponseError(
            "draft #%(draft)s not published: %(reason)s", draft=draft_id, reason=error
        ) from error
    return record_publication(store, draft_id, receipt.target, actor, reference=receipt.reference, now=now)


def record_publication(
    store: Store,
    draft_id: int,
    target: str,
    actor: str,
    *,
    reference: str | None = None,
    now: datetime | None = None,
) -> int:
    """Record that an approved text went out at ``target`` (also for texts posted by hand)."""
    now = utc_now(now)
    with store.session() as session:
        draft, crisis = _draft(session, draft_id)
        _check_approved(draft)
        publication = Publication(
            draft_id=draft.id,
            crisis_id=crisis.id,
            target=target,
            reference=reference,
            text=draft.text,
            published_by=actor,
            published_at=now,
        )
        session.add(publication)
        session.flush()
        where = f"{target} ({reference})" if reference else target
        record(
            session,
            crisis,
            "published",
            actor,
            f"Published draft #{draft_id} ({draft.template}) at {where}.",
            now,
            draft=draft_id,
            target=target,
            reference=reference,
        )
        complete_template_steps(session, crisis, draft.template, actor, now)
        if crisis.status in {"detected", "acknowledged"}:
            previous, crisis.status = crisis.status, "responding"
            record(
                session,
                crisis,
                "status",
                actor,
                f"Status {previous} → responding (first public response).",
                now,
                previous=previous,
                status="responding",
            )
        return publication.id


def _check_approved(draft: ResponseDraft) -> None:
    if draft.status != "approved":
        raise ResponseError(
            "draft #%(draft)s is %(status)s; only approved texts are published",
            draft=draft.id,
            status=Term(draft.status),
        )


def _draft(session: Session, draft_id: int) -> tuple[ResponseDraft, Crisis]:
    draft = session.get(ResponseDraft, draft_id)
    if draft is None:
        raise ResponseError("no draft #%(draft)s", draft=draft_id)
    return draft, session.get_one(Crisis, draft.crisis_id)


def _playbook(session: Session, crisis: Crisis) -> Playbook:
    playbook = plan_of(session, crisis)
    if playbook is None:
        raise ResponseError(
            "crisis %(key)s has no playbook yet (the runtime attaches one within seconds)", key=crisis.key
        )
    return playbook


def drafts_of(session: Session, crisis: Crisis) -> list[dict[str, Any]]:
    drafts = session.scalars(
        select(ResponseDraft).where(ResponseDraft.crisis_id == crisis.id).order_by(ResponseDraft.id)
    )
    publications: dict[int, list[Publication]] = {}
    for publication in session.scalars(select(Publication).where(Publication.crisis_id == crisis.id)):
        publications.setdefault(publication.draft_id, []).append(publication)
    return [
        {
            "id": draft.id,
            "template": draft.template,
            "lang": draft.lang,
            "text": draft.text,
            "status": draft.status,
            "drafted_by": draft.drafted_by,
            "decided_by": draft.decided_by,
            "note": draft.decision_note,
            "published": [
                {
                    "target": p.target,
                    "reference": p.reference,
                    "by": p.published_by,
                    "at": p.published_at.isoformat(),
                }
                for p in publications.get(draft.id, [])
            ],
        }
        for draft in drafts
    ]
