"""The response service: what people and the runtime do to a crisis, over the store.

Plain functions taking a :class:`~stormwatch.store.db.Store` (the CLI and the web app call the same
ones). Every function that changes something writes it to the crisis's timeline in the same
transaction, and takes ``now`` so that tests (and replays) can run on their own clock.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.alerting.service import DEFAULT_PUBLIC_URL, Sender, queue_alerts, send_with_apprise
from stormwatch.crisis.manager import CAUSE_WORDS, crisis_key
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import CLOSE_PROPOSED, SYSTEM_ACTOR
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.models import SignalRecord
from stormwatch.drill.marking import is_drill, marked
from stormwatch.i18n.refusal import Refusal, Term
from stormwatch.playbook.loader import LoadedPlaybook, PlaybookLibrary
from stormwatch.playbook.models import Playbook
from stormwatch.response.escalation import NOTIFY_LEVEL, PageOrder, PageRecord, overdue_steps, plan_pages
from stormwatch.response.lifecycle import OPEN_STATUSES, check_transition
from stormwatch.response.models import Assignment, CrisisLink, CrisisPlan, Page
from stormwatch.response.timeline import record
from stormwatch.store.db import Store
from stormwatch.workspace.config import PersonConfig
from stormwatch.workspace.models import Brand, Person, Workspace
from stormwatch.workspace.service import find_brand, team

log = logging.getLogger(__name__)

MAX_PAGE_ATTEMPTS = 5
ACKNOWLEDGE_STEP = "acknowledge"  # the playbooks' step done by acknowledging in Stormwatch
# A crisis nobody acted on closes this long (wall time) after the detector proposed closing it
# (stormwatch.crisis.service explains why the detector only proposes).
UNTOUCHED_CLOSE_AFTER = timedelta(minutes=30)


class ResponseError(Refusal, ValueError):
    """Something a person asked for that cannot be done; the message says why."""


def utc_now(now: datetime | None = None) -> datetime:
    if now is not None:
        return now
    acting = ACTING_WORKSPACE.get()
    drill_time = DRILL_CLOCKS.get(acting) if acting is not None else None
    return drill_time() if drill_time is not None else datetime.now(UTC)


# A drill workspace runs on its drill's clock (accelerated, paused, skipped ahead): its running
# drill registers here how to read it (stormwatch.drill.service), so that what the team does in
# the drill's crisis room is stamped in the drill's time, like the posts and the detector's moves.
DRILL_CLOCKS: dict[int, Callable[[], datetime]] = {}


# --- reading ---------------------------------------------------------------------------------


# The workspace the caller acts in (the web app sets it from the request's principal): crisis keys
# are unique per workspace only, and the service functions, used by the CLI too, take a bare key.
ACTING_WORKSPACE: ContextVar[int | None] = ContextVar("acting_workspace", default=None)


@contextmanager
def acting_in(workspace_id: int) -> Iterator[None]:
    """Crisis keys named inside the block are the workspace's own."""
    token = ACTING_WORKSPACE.set(workspace_id)
    try:
        yield
    finally:
        ACTING_WORKSPACE.reset(token)


def get_crisis(session: Session, key: str, workspace_id: int | None = None) -> Crisis:
    """The crisis of that key in the acting workspace; with none set, a key two workspaces share is
    refused (never act on another tenant's crisis by mistake)."""
    workspace_id = workspace_id if workspace_id is not None else ACTING_WORKSPACE.get()
    query = select(Crisis).where(Crisis.key == key)
    if workspace_id is not None:
        query = query.where(Crisis.workspace_id == workspace_id)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise ResponseError("no crisis '%(key)s' (see `stormwatch crisis list`)", key=key)
    if len(found) > 1:
        raise ResponseError(
            "crisis '%(key)s' exists in several workspaces; name the workspace (--config)", key=key
        )
    return found[0]


def brand_of(session: Session, crisis: Crisis) -> Brand:
    return session.get_one(Brand, crisis.brand_id)


def plan_of(session: Session, crisis: Crisis) -> Playbook | None:
    """The playbook snapshot the crisis runs (not the file as it is now)."""
    plan = session.get(CrisisPlan, crisis.id)
    return Playbook.model_validate(plan.content) if plan is not None else None


def team_for(session: Session, crisis: Crisis) -> list[PersonConfig]:
    brand = brand_of(session, crisis)
    return team(session, brand.workspace_id, brand.name)


def list_crises(
    store: Store, *, status: str | None = None, brand: str | None = None, open_only: bool = False
) -> list[dict[str, Any]]:
    """Crises, newest first, as plain dictionaries (the CLI prints them, the web app shows them)."""
    with store.session() as session:
        query = select(Crisis, Brand.name).join(Brand, Brand.id == Crisis.brand_id)
        if status is not None:
            query = query.where(Crisis.status == status)
        if open_only:
            query = query.where(Crisis.status.in_(OPEN_STATUSES))
        if brand is not None:
            query = query.where(Brand.name == brand)
        rows = session.execute(query.order_by(Crisis.opened_at.desc(), Crisis.id.desc())).all()
        plans = {plan.crisis_id: plan for plan in session.scalars(select(CrisisPlan))}
        return [
            {
                "key": crisis.key,
                "brand": brand_name,
                "status": crisis.status,
                "severity": crisis.severity,
                "cause": crisis.cause,
                "opened_at": _iso(crisis.opened_at),
                "closed_at": _iso(crisis.closed_at),
                "playbook": _plan_label(plans.get(crisis.id)),
                "owner": _holder(session, crisis.id, "owner"),
            }
            for crisis, brand_name in rows
        ]


def clock_start(session: Session, crisis: Crisis) -> datetime:
    """When the team's clock for the crisis started, in wall time.

    A crisis opens at its first signal's *event* time; in a replay (the demo, a backfill) that is
    days in the past, and counting deadlines from it would make every step hours overdue the moment
    it appears. The playbook starts running when it is attached (within one tick of the crisis
    being stored), so the clock starts at the later of the two: one clock, the wall clock, for
    deadlines and for every "N min after opening".
    """
    plan = session.get(CrisisPlan, crisis.id)
    return max(crisis.opened_at, plan.attached_at) if plan is not None else crisis.opened_at


def crisis_detail(store: Store, key: str, now: datetime | None = None) -> dict[str, Any]:
    """One crisis with its playbook, steps, people, pages, texts and timeline."""
    from stormwatch.response.drafts import drafts_of
    from stormwatch.response.review import review_of

    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        plan = session.get(CrisisPlan, crisis.id)
        playbook = plan_of(session, crisis)
        events = session.scalars(
            select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id)
        ).all()
        return {
            "key": crisis.key,
            "brand": brand_of(session, crisis).name,
            "status": crisis.status,
            "severity": crisis.severity,
            "cause": crisis.cause,
            "reason": crisis.reason,
            "opened_at": _iso(crisis.opened_at),
            "closed_at": _iso(crisis.closed_at),
            "playbook": None
            if plan is None
            else {
                "name": plan.playbook,
                "version": plan.version,
                "digest": plan.digest,
                "source": plan.source,
            },
            "assignments": [
                {"role": a.role, "person": a.person, "since": _iso(a.assigned_at)}
                for a in _current_assignments(session, crisis.id)
            ],
            "clock_started_at": _iso(clock_start(session, crisis)),
            "steps": _steps_view(playbook, crisis, clock_start(session, crisis), events, now)
            if playbook
            else [],
            "pages": [
                {
                    "person": page.person,
                    "role": page.role,
                    "severity": page.severity,
                    "level": page.level,
                    "status": page.status,
                    "at": _iso(page.created_at),
                }
                for page in session.scalars(select(Page).where(Page.crisis_id == crisis.id).order_by(Page.id))
            ],
            "drafts": drafts_of(session, crisis),
            "review": review_of(session, crisis),
            "timeline": [
                {"at": _iso(e.at), "kind": e.kind, "actor": e.actor, "message": e.message, "data": e.data}
                for e in events
            ],
        }


def _steps_view(
    playbook: Playbook, crisis: Crisis, started: datetime, events: Iterable[CrisisEvent], now: datetime
) -> list[dict[str, Any]]:
    done = {e.data.get("step"): e for e in events if e.kind == "step_done"}
    return [
        {
            "id": step.id,
            "title": step.title,
            "role": step.role,
            "due_at": _iso(started + timedelta(minutes=step.due_minutes)),
            "done_by": done[step.id].actor if step.id in done else None,
            "done_at": _iso(done[step.id].at) if step.id in done else None,
            "overdue": crisis.status in OPEN_STATUSES
            and step.id not in done
            and now >= started + timedelta(minutes=step.due_minutes),
            "checklist": list(step.checklist),
            "template": step.template,
        }
        for step in playbook.all_steps()
    ]


def _current_assignments(session: Session, crisis_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.crisis_id == crisis_id, Assignment.ended_at.is_(None))
            .order_by(Assignment.id)
        )
    )


def _holder(session: Session, crisis_id: int, role: str) -> str | None:
    return next((a.person for a in _current_assignments(session, crisis_id) if a.role == role), None)


def _plan_label(plan: CrisisPlan | None) -> str | None:
    return f"{plan.playbook} v{plan.version}" if plan else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# --- playbooks -------------------------------------------------------------------------------


def attach_playbook(
    session: Session, crisis: Crisis, library: PlaybookLibrary, now: datetime, actor: str = SYSTEM_ACTOR
) -> CrisisPlan | None:
    """Give the crisis the playbook for its cause, frozen as it is now.

    A crisis opened before its cause was known runs the generic playbook; it moves to the
    cause's own playbook once the cause is known, but only while nobody has acted on it yet.
    Returns the plan when it was attached or changed.
    """
    chosen = library.for_cause(crisis.cause)
    plan = session.get(CrisisPlan, crisis.id)
    if plan is not None:
        switch = (
            plan.playbook == "generic" and chosen.playbook.name != "generic" and crisis.status == "detected"
        )
        if not switch:
            return None
        previous, started = f"{plan.playbook} v{plan.version}", plan.attached_at
        _fill_plan(plan, chosen, now)
        plan.attached_at = started  # the team's clock (see clock_start) does not restart
        record(
            session,
            crisis,
            "playbook",
            actor,
            f"The cause is now known; playbook changed from {previous} to {_plan_label(plan)}.",
            now,
            playbook=plan.playbook,
            version=plan.version,
            digest=plan.digest,
        )
        return plan
    plan = CrisisPlan(crisis_id=crisis.id)
    _fill_plan(plan, chosen, now)
    session.add(plan)
    record(
        session,
        crisis,
        "playbook",
        actor,
        f"Runs playbook {_plan_label(plan)}: {chosen.playbook.title}.",
        now,
        playbook=plan.playbook,
        version=plan.version,
        digest=plan.digest,
    )
    return plan


def _fill_plan(plan: CrisisPlan, loaded: LoadedPlaybook, now: datetime) -> None:
    plan.playbook = loaded.playbook.name
    plan.version = loaded.playbook.version
    plan.digest = loaded.digest
    plan.source = str(loaded.path)
    plan.content = loaded.playbook.model_dump(mode="json")
    plan.text = loaded.text
    plan.attached_at = now


# --- changing a crisis -----------------------------------------------------------------------


def open_crisis(
    store: Store,
    workspace_id: int,
    brand: str,
    *,
    reason: str,
    actor: str,
    severity: int = 2,
    cause: str | None = None,
    library: PlaybookLibrary | None = None,
    now: datetime | None = None,
) -> str:
    """Open a crisis by hand (someone saw it before the detectors did); returns its key."""
    now = utc_now(now)
    if not 1 <= severity <= 4:
        raise ResponseError("severity is 1 (low) to 4 (critical)")
    if cause is not None and cause not in CAUSE_WORDS:
        raise ResponseError(
            "unknown cause '%(cause)s'; causes are %(causes)s", cause=cause, causes=list(CAUSE_WORDS)
        )
    with store.session() as session:
        stored_brand = find_brand(session, workspace_id, brand)
        if stored_brand is None:
            raise ResponseError("no brand '%(brand)s' in this workspace", brand=brand)
        key = _free_key(session, crisis_key(brand, now), workspace_id)
        crisis = Crisis(
            key=key,
            workspace_id=workspace_id,
            brand_id=stored_brand.id,
            opened_at=now,
            severity=severity,
            cause=cause,
            status="detected",
            reason=reason,
            last_signal_at=now,
        )
        session.add(crisis)
        session.flush()
        record(
            session, crisis, "opened", actor, f"Opened by hand: {reason}", now, severity=severity, cause=cause
        )
        update = CrisisUpdate("opened", key, brand, now, severity, cause, reason, None)  # type: ignore[arg-type]
        queue_alerts(session, crisis, stored_brand, update)
        if library is not None:
            attach_playbook(session, crisis, library, now, actor)
        return key


def _free_key(session: Session, key: str, workspace_id: int) -> str:
    """The key, numbered if the workspace has it already (other workspaces' keys do not count)."""
    candidate, number = key, 1
    taken = select(Crisis.id).where(Crisis.workspace_id == workspace_id)
    while session.scalar(taken.where(Crisis.key == candidate)) is not None:
        number += 1
        candidate = f"{key}-{number}"
    return candidate


def acknowledge(store: Store, key: str, actor: str, now: datetime | None = None) -> bool:
    """Take the crisis: stops the escalation; the first to acknowledge becomes owner if there is none.

    Returns False when it was already acknowledged (nothing changes then).
    """
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        if crisis.status != "detected":
            if crisis.status in OPEN_STATUSES:
                return False
            raise ResponseError(
                "crisis %(key)s is %(status)s; there is nothing to acknowledge",
                key=key,
                status=Term(crisis.status),
            )
        crisis.status = "acknowledged"
        waited = _minutes(now - clock_start(session, crisis))
        record(
            session,
            crisis,
            "acknowledged",
            actor,
            f"Acknowledged {waited:g} min after opening.",
            now,
            waited=waited,
        )
        if _holder(session, crisis.id, "owner") is None:
            _assign(session, crisis, "owner", actor, actor, now)
        playbook = plan_of(session, crisis)
        if playbook is not None and any(step.id == ACKNOWLEDGE_STEP for step in playbook.all_steps()):
            _complete(session, crisis, playbook, ACKNOWLEDGE_STEP, actor, now)
        return True


def set_status(
    store: Store, key: str, status: str, actor: str, note: str = "", now: datetime | None = None
) -> None:
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        _move(session, crisis, status, actor, note, now)


def resolve(store: Store, key: str, actor: str, note: str = "", now: datetime | None = None) -> None:
    set_status(store, key, "resolved", actor, note, now)


def _move(session: Session, crisis: Crisis, status: str, actor: str, note: str, now: datetime) -> None:
    try:
        check_transition(crisis.status, status)
    except ValueError as error:
        raise ResponseError("%(key)s: %(reason)s", key=crisis.key, reason=error) from error
    previous, crisis.status = crisis.status, status
    if status == "resolved":
        crisis.closed_at = now
    elif previous == "resolved" and status in OPEN_STATUSES:
        crisis.closed_at = None  # reopened (a review keeps the time it was resolved)
    message = f"Status {previous} → {status}." + (f" {note}" if note else "")
    record(session, crisis, "status", actor, message, now, previous=previous, status=status)


def assign(store: Store, key: str, role: str, person: str, actor: str, now: datetime | None = None) -> None:
    """Give ``role`` in the crisis to ``person``; the previous holder of the role is relieved."""
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        playbook = plan_of(session, crisis)
        if playbook is not None and role not in playbook.roles:
            raise ResponseError(
                "playbook %(playbook)s has no role '%(role)s'; roles: %(roles)s",
                playbook=playbook.name,
                role=role,
                roles=list(playbook.roles),
            )
        people = team_for(session, crisis)
        if people and person not in {p.name for p in people}:
            raise ResponseError(
                "'%(person)s' is not in the team of %(brand)s",
                person=person,
                brand=brand_of(session, crisis).name,
            )
        _assign(session, crisis, role, person, actor, now)


def _assign(session: Session, crisis: Crisis, role: str, person: str, actor: str, now: datetime) -> None:
    for current in _current_assignments(session, crisis.id):
        if current.role == role:
            current.ended_at = now
    session.add(Assignment(crisis_id=crisis.id, role=role, person=person, assigned_by=actor, assigned_at=now))
    record(session, crisis, "assigned", actor, f"{person} is {role}.", now, role=role, person=person)


def add_note(store: Store, key: str, text: str, actor: str, now: datetime | None = None) -> None:
    if not text.strip():
        raise ResponseError("an empty note says nothing")
    now = utc_now(now)
    with store.session() as session:
        record(session, get_crisis(session, key), "note", actor, text.strip(), now)


def complete_step(store: Store, key: str, step_id: str, actor: str, now: datetime | None = None) -> None:
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        playbook = plan_of(session, crisis)
        if playbook is None:
            raise ResponseError("crisis %(key)s has no playbook yet", key=key)
        try:
            step = playbook.step(step_id)
        except KeyError:
            ids = [s.id for s in playbook.all_steps()]
            raise ResponseError(
                "playbook %(playbook)s has no step '%(step)s'; steps: %(steps)s",
                playbook=playbook.name,
                step=step_id,
                steps=ids,
            ) from None
        _complete(session, crisis, playbook, step.id, actor, now)


def _complete(
    session: Session, crisis: Crisis, playbook: Playbook, step_id: str, actor: str, now: datetime
) -> None:
    done = session.scalars(
        select(CrisisEvent.data).where(CrisisEvent.crisis_id == crisis.id, CrisisEvent.kind == "step_done")
    )
    if any(data.get("step") == step_id for data in done):
        return
    step = playbook.step(step_id)
    late = _minutes(now - (clock_start(session, crisis) + timedelta(minutes=step.due_minutes)))
    timing = f"{late:g} min late" if late > 0 else "on time"
    record(
        session, crisis, "step_done", actor, f"Done: {step.title} ({timing}).", now, step=step.id, late=late
    )


def complete_template_steps(
    session: Session, crisis: Crisis, template: str, actor: str, now: datetime
) -> None:
    """Publishing a text from a template completes the steps that call for that template."""
    playbook = plan_of(session, crisis)
    if playbook is None:
        return
    for step in playbook.all_steps():
        if step.template == template:
            _complete(session, crisis, playbook, step.id, actor, now)


def merge(store: Store, source_key: str, into_key: str, actor: str, now: datetime | None = None) -> None:
    """Fold ``source_key`` into ``into_key``: one story, one room. Its signals move; its timeline stays."""
    now = utc_now(now)
    with store.session() as session:
        source, target = get_crisis(session, source_key), get_crisis(session, into_key)
        if source.id == target.id:
            raise ResponseError("a crisis cannot be merged into itself")
        if source.brand_id != target.brand_id:
            raise ResponseError("only crises of the same brand can be merged")
        if target.status not in OPEN_STATUSES:
            raise ResponseError(
                "%(key)s is %(status)s; merge into an open crisis", key=into_key, status=Term(target.status)
            )
        _move(session, source, "merged", actor, f"Merged into {into_key}.", now)
        source.closed_at = now
        for signal in session.scalars(select(SignalRecord).where(SignalRecord.crisis_id == source.id)):
            signal.crisis_id = target.id
        if source.severity > target.severity:
            target.severity = source.severity
        target.cause = target.cause or source.cause
        session.add(
            CrisisLink(kind="merged", from_crisis_id=source.id, to_crisis_id=target.id, actor=actor, at=now)
        )
        record(
            session,
            target,
            "merged",
            actor,
            f"{source_key} was merged into this crisis.",
            now,
            other_crisis=source_key,
        )


def split(
    store: Store,
    key: str,
    signal_ids: list[int],
    *,
    actor: str,
    reason: str,
    cause: str | None = None,
    library: PlaybookLibrary | None = None,
    now: datetime | None = None,
) -> str:
    """Move some of a crisis's signals into a new crisis (two stories were one); returns the new key."""
    now = utc_now(now)
    with store.session() as session:
        source = get_crisis(session, key)
        signals = session.scalars(
            select(SignalRecord).where(SignalRecord.crisis_id == source.id, SignalRecord.id.in_(signal_ids))
        ).all()
        missing = sorted(set(signal_ids) - {s.id for s in signals})
        if missing or not signals:
            raise ResponseError(
                "signals %(signals)s do not belong to %(key)s", signals=missing or signal_ids, key=key
            )
        first = min(s.at for s in signals)
        brand = brand_of(session, source)
        new = Crisis(
            key=_free_key(session, crisis_key(brand.name, first), brand.workspace_id),
            workspace_id=brand.workspace_id,
            brand_id=source.brand_id,
            opened_at=first,
            severity=source.severity,
            cause=cause or next((s.cause for s in signals if s.cause), None),
            status="detected",
            reason=reason,
            last_signal_at=max(s.at for s in signals),
        )
        session.add(new)
        session.flush()
        for signal in signals:
            signal.crisis_id = new.id
        session.add(
            CrisisLink(kind="split", from_crisis_id=source.id, to_crisis_id=new.id, actor=actor, at=now)
        )
        moved = len(signals)
        record(session, source, "split", actor, f"{moved} signal(s) split off into {new.key}: {reason}", now)
        record(session, new, "opened", actor, f"Split off from {key}: {reason}", now, other_crisis=key)
        if library is not None:
            attach_playbook(session, new, library, now, actor)
        return new.key


# --- the clock: playbooks, pages, escalation, deadlines --------------------------------------


@dataclass
class TickReport:
    attached: int = 0
    paged: int = 0
    escalated: int = 0
    overdue: int = 0
    sent: int = 0
    failed: int = 0


def tick(
    store: Store,
    library: PlaybookLibrary,
    now: datetime | None = None,
    send: Sender = send_with_apprise,
    *,
    drill_workspace: int | None = None,
) -> TickReport:
    """Everything time drives, for every open crisis: attach playbooks, page, escalate, flag deadlines.

    The runtime calls it every few seconds with the wall clock; tests call it with their own.
    Idempotent for a given ``now``: the pages' unique key and the timeline make a repeat a no-op.
    """
    now = utc_now(now)
    report = TickReport()
    with store.session() as session:
        # A drill's crises run on the drill's clock (accelerated, paused): its runner ticks them with
        # ``drill_workspace`` and the drill's time; the wall-clock tick leaves them alone.
        drills = select(Workspace.id).where(Workspace.drill.is_(True))
        in_scope = (
            Crisis.workspace_id == drill_workspace
            if drill_workspace is not None
            else Crisis.workspace_id.not_in(drills)
        )
        crises = session.scalars(
            select(Crisis).where(Crisis.status.in_(OPEN_STATUSES), in_scope).order_by(Crisis.id)
        ).all()
        for crisis in crises:
            _tick_crisis(session, crisis, library, now, report)
    sent, failed = deliver_pages(store, send, now)
    report.sent, report.failed = sent, failed
    return report


def _tick_crisis(
    session: Session, crisis: Crisis, library: PlaybookLibrary, now: datetime, report: TickReport
) -> None:
    if _close_if_untouched_and_quiet(session, crisis, now):
        return
    if attach_playbook(session, crisis, library, now) is not None:
        report.attached += 1
    playbook = plan_of(session, crisis)
    if playbook is None:
        return
    pages = [
        PageRecord(p.severity, p.level, p.person, p.created_at)
        for p in session.scalars(select(Page).where(Page.crisis_id == crisis.id))
    ]
    orders = plan_pages(
        playbook, crisis.severity, crisis.status != "detected", team_for(session, crisis), pages, now
    )
    for order in orders:
        _queue_page(session, crisis, playbook, order, now)
        report.paged += 1
        report.escalated += order.level > 0
    paged_now = any(order.level != NOTIFY_LEVEL for order in orders)
    if not paged_now and not any(p.severity == crisis.severity and p.level != NOTIFY_LEVEL for p in pages):
        _note_nobody_reachable(session, crisis, playbook, now)
    steps_seen = _step_events(session, crisis.id)
    for step in overdue_steps(playbook, clock_start(session, crisis), steps_seen["step_done"], now):
        if step.id in steps_seen["step_overdue"]:
            continue  # flagged once is enough; the crisis page shows it in red until it is done
        message = f"Overdue: {step.title} (due {step.due_minutes} min after the start; {step.role})."
        record(session, crisis, "step_overdue", SYSTEM_ACTOR, message, now, step=step.id, role=step.role)
        report.overdue += 1


def _close_if_untouched_and_quiet(session: Session, crisis: Crisis, now: datetime) -> bool:
    """Close a crisis nobody acted on once the detector's closing proposal stood unanswered for
    :data:`UNTOUCHED_CLOSE_AFTER`, saying so on the timeline; a person's action keeps it open."""
    if crisis.status != "detected":
        return False
    events = session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id)
    ).all()
    if any(event.actor != SYSTEM_ACTOR for event in events):
        return False
    detector = [e for e in events if e.kind in ("opened", "escalated", "deescalated", CLOSE_PROPOSED)]
    if not detector or detector[-1].kind != CLOSE_PROPOSED:
        return False
    proposed = datetime.fromisoformat(str(detector[-1].data.get("proposed_at")))
    if now - proposed < UNTOUCHED_CLOSE_AFTER:
        return False
    crisis.status, crisis.closed_at = "resolved", now
    minutes = int(UNTOUCHED_CLOSE_AFTER.total_seconds() // 60)
    message = f"Closed as calm: nobody acted on it within {minutes} min of the proposal to close it."
    record(
        session,
        crisis,
        "status",
        SYSTEM_ACTOR,
        message,
        now,
        previous="detected",
        status="resolved",
        quiet=minutes,
    )
    return True


def _note_nobody_reachable(session: Session, crisis: Crisis, playbook: Playbook, now: datetime) -> None:
    """Say once per severity that nobody could be paged, so the gap in the team file gets noticed."""
    noted = session.scalars(
        select(CrisisEvent.data).where(CrisisEvent.crisis_id == crisis.id, CrisisEvent.kind == "nobody_paged")
    )
    if any(data.get("severity") == crisis.severity for data in noted):
        return
    chain = ", ".join(playbook.rule_for(crisis.severity).chain)
    message = (
        f"Nobody could be paged at severity {crisis.severity}: no one with a role in ({chain}) has a "
        "notify URL and is outside quiet hours. The brand's alert channels were still told; "
        "paging starts as soon as someone is reachable."
    )
    record(session, crisis, "nobody_paged", SYSTEM_ACTOR, message, now, severity=crisis.severity)


def _step_events(session: Session, crisis_id: int) -> dict[str, set[str]]:
    """The step ids the timeline records as done, and as flagged overdue."""
    seen: dict[str, set[str]] = {"step_done": set(), "step_overdue": set()}
    rows = session.execute(
        select(CrisisEvent.kind, CrisisEvent.data).where(
            CrisisEvent.crisis_id == crisis_id, CrisisEvent.kind.in_(tuple(seen))
        )
    )
    for kind, data in rows:
        seen[kind].add(str(data.get("step")))
    return seen


def _queue_page(
    session: Session, crisis: Crisis, playbook: Playbook, order: PageOrder, now: datetime
) -> None:
    brand = brand_of(session, crisis)
    public_url = os.environ.get("STORMWATCH_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    rule = playbook.rule_for(order.severity)
    if order.level == NOTIFY_LEVEL:
        ask = "No acknowledgement needed."
    else:
        ask = (
            f"Please acknowledge within {rule.ack_within_minutes} min: "
            f'`stormwatch crisis ack {crisis.key} --as "{order.person.name}"` or {public_url}/crises/{crisis.key}'
        )
    first_steps = "\n".join(
        f"- {step.title} (within {step.due_minutes} min, {step.role})" for step in playbook.all_steps()[:3]
    )
    title = f"[Stormwatch] {brand.name}: severity {order.severity} crisis, {order.role} needed [{crisis.key}]"
    body = (
        f"{order.person.name}, {order.reason}.\n\n{crisis.reason}\n\n"
        f"Playbook: {playbook.title} (v{playbook.version}). First steps:\n{first_steps}\n\n{ask}"
    )
    if is_drill(session, brand.workspace_id):
        title, body = marked(title, body)
    session.add(
        Page(
            crisis_id=crisis.id,
            severity=order.severity,
            level=order.level,
            role=order.role,
            person=order.person.name,
            title=title,
            body=body,
            status="pending",
            attempts=0,
            created_at=now,
        )
    )
    kind = "escalation" if order.level > 0 else "page"
    message = f"Paging {order.person.name} ({order.role}): {order.reason}."
    record(session, crisis, kind, SYSTEM_ACTOR, message, now, person=order.person.name, level=order.level)


def deliver_pages(
    store: Store, send: Sender = send_with_apprise, now: datetime | None = None
) -> tuple[int, int]:
    """Send pending pages to every channel of their person; returns (sent, failed) attempts."""
    now = utc_now(now)
    with store.session() as session:
        pending = session.scalars(select(Page).where(Page.status == "pending").order_by(Page.id)).all()
        targets = {page.id: _person_urls(session, page) for page in pending}
    sent = failed = 0
    for page in pending:
        urls, errors = targets[page.id], []
        delivered = False
        for url in urls:
            try:
                accepted = send(url, page.title, page.body)
            except Exception as exc:  # one broken channel must not stop the others
                accepted, message = False, f"{type(exc).__name__}: {exc}"
            else:
                message = "" if accepted else "the channel did not accept the page"
            delivered = delivered or accepted
            if message:
                errors.append(message)
        with store.session() as session:
            _record_page_attempt(session, page.id, delivered, "; ".join(errors) or None, bool(urls), now)
        sent += delivered
        failed += not delivered
    return sent, failed


def _person_urls(session: Session, page: Page) -> list[str]:
    crisis = session.get_one(Crisis, page.crisis_id)
    brand = brand_of(session, crisis)
    person = session.scalar(
        select(Person).where(Person.workspace_id == brand.workspace_id, Person.name == page.person)
    )
    return list(person.notify_urls) if person is not None else []


def _record_page_attempt(
    session: Session, page_id: int, delivered: bool, error: str | None, reachable: bool, now: datetime
) -> None:
    page = session.get_one(Page, page_id)
    crisis = session.get_one(Crisis, page.crisis_id)
    page.attempts += 1
    page.error = error
    if delivered:
        page.status, page.sent_at = "sent", now
        record(
            session, crisis, "page_sent", SYSTEM_ACTOR, f"Page to {page.person} delivered.", now, page=page.id
        )
    elif page.attempts >= MAX_PAGE_ATTEMPTS or not reachable:
        page.status = "failed"
        why = error or "no channel configured for this person"
        record(
            session,
            crisis,
            "page_failed",
            SYSTEM_ACTOR,
            f"Page to {page.person} failed: {why}",
            now,
            page=page.id,
        )
    else:
        log.warning(
            "page %s to %s not delivered (attempt %d): %s", page.id, page.person, page.attempts, error
        )


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)
