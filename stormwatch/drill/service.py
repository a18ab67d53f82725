"""Running a drill over the store: the sandbox workspace, the warm-up, the injects, the clock.

A drill gets its own workspace, flagged ``drill``, made from the real one: the same brands,
people, playbooks folder and user accounts; alerts and pages go to the drill channel when one is
given and are always marked "[DRILL]"; publishing only ever reaches the sandbox. Injected posts
are stored through the real ingestion and analysed by the workspace's own live pipeline, so the
crisis is *detected*, never pre-opened; its crises are ticked on the drill's clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stormwatch.alerting.service import Sender, send_with_apprise
from stormwatch.auth.models import Membership
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import SYSTEM_ACTOR
from stormwatch.drill import engine
from stormwatch.drill.checks import check_text
from stormwatch.drill.clock import DrillClock
from stormwatch.drill.loader import LoadedScenario, parse_scenario
from stormwatch.drill.models import DrillRun
from stormwatch.drill.scenario import Scenario
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import service as response
from stormwatch.response.lifecycle import OPEN_STATUSES
from stormwatch.response.models import Publication, ResponseDraft
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand, Person, Workspace
from stormwatch.workspace.service import find_brand

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"
ACTIVE = (RUNNING, PAUSED)
HUMAN_KINDS = (
    "acknowledged",
    "assigned",
    "step_done",
    "draft",
    "approved",
    "rejected",
    "published",
    "note",
    "status",
)


class DrillError(ValueError):
    """A drill action that cannot be done; the message says why."""


def wall_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RunView:
    run: DrillRun
    scenario: Scenario
    clock: DrillClock

    def position(self, wall: datetime) -> timedelta:
        return self.clock.position(wall)

    def drill_time(self, wall: datetime) -> datetime:
        return self.run.origin + self.clock.position(wall)


def view(run: DrillRun) -> RunView:
    return RunView(run, parse_scenario(run.scenario_text, run.scenario), DrillClock.from_json(run.clock))


def get_run(session: Session, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None:
        raise DrillError(f"no drill #{run_id}")
    return run


# --- the sandbox workspace ------------------------------------------------------------------------


def create_drill_workspace(
    session: Session, source_id: int, scenario: Scenario, drill_channel: str | None
) -> Workspace:
    """A flagged copy of the real workspace: brands, people and accounts, channels redirected."""
    source = session.get(Workspace, source_id)
    if source is None:
        raise DrillError(f"no workspace #{source_id}")
    if source.drill:
        raise DrillError("a drill runs from the real workspace, not from another drill")
    number = 1 + (
        session.scalar(select(func.count(DrillRun.id)).where(DrillRun.source_workspace_id == source_id)) or 0
    )
    workspace = Workspace(
        name=f"{source.name} · drill {number} ({scenario.name})"[:200],
        drill=True,
        max_brands=source.max_brands,
    )
    session.add(workspace)
    session.flush()
    redirect = [drill_channel] if drill_channel else None
    for brand in source.brands:
        session.add(
            Brand(
                workspace_id=workspace.id, name=brand.name, languages=list(brand.languages),
                keywords=list(brand.keywords), own_handles=list(brand.own_handles),
                trigger_terms=list(brand.trigger_terms), alert_urls=redirect or list(brand.alert_urls),
                reply_sla_minutes=brand.reply_sla_minutes,
            )
        )  # fmt: skip
    for person in session.scalars(
        select(Person).where(Person.workspace_id == source_id, Person.active.is_(True))
    ):
        session.add(
            Person(
                workspace_id=workspace.id, name=person.name, email=person.email,
                notify_urls=redirect or list(person.notify_urls), roles=list(person.roles),
                brands=list(person.brands), timezone=person.timezone, quiet_hours=person.quiet_hours,
                reply_signature=person.reply_signature, active=True,
            )
        )  # fmt: skip
    for membership in session.scalars(select(Membership).where(Membership.workspace_id == source_id)):
        session.add(Membership(user_id=membership.user_id, workspace_id=workspace.id, role=membership.role))
    session.flush()
    if find_brand(session, workspace.id, scenario.brand) is None:
        session.add(Brand(workspace_id=workspace.id, name=scenario.brand, alert_urls=redirect or []))
    session.flush()
    return workspace


def _record(post: engine.ScheduledPost, number: str, at: datetime, brand: str) -> dict[str, Any]:
    p = post.post
    return {
        "id": f"drill-{number}", "source": p.source, "created_at": at.isoformat(), "text": p.text,
        "author": p.author, "author_followers": p.followers, "brand": brand, "lang": post.lang,
        "url": p.url, "likes": p.likes, "shares": p.shares,
    }  # fmt: skip


def baseline_records(scenario: Scenario, brand: str, origin: datetime, run_id: int) -> list[dict[str, Any]]:
    """The brand's calm hours before the drill: the detectors' baseline (deterministic per run)."""
    rng = random.Random(run_id)
    base = scenario.baseline
    records = []
    start = origin - timedelta(hours=base.hours)
    lang = scenario.languages[0]
    for hour in range(base.hours):
        for n in range(base.per_hour):
            written = base.posts[rng.randrange(len(base.posts))]
            at = start + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            scheduled = engine.ScheduledPost(
                f"baseline-{hour}-{n}", "baseline", timedelta(0), written, written.lang or lang
            )
            author = (
                written.author
                if rng.random() < 0.3
                else f"{written.author.rstrip('0123456789')}{rng.randrange(1000)}"
            )
            record = _record(scheduled, f"{run_id}-baseline-{hour}-{n}", at, brand)
            records.append(record | {"author": author})
    return sorted(records, key=lambda r: r["created_at"])


# --- starting and steering ------------------------------------------------------------------------


def start(
    store: Store,
    source_workspace_id: int,
    loaded: LoadedScenario,
    live_for: Callable[[int], LivePipeline],
    *,
    actor: str,
    speed: float = 1.0,
    brand: str | None = None,
    drill_channel: str | None = None,
    now: datetime | None = None,
) -> int:
    """Make the drill workspace, load the calm warm-up through the pipeline, start the clock
    (``now``: the wall time it starts at, for tests; else when the warm-up is done)."""
    given, now = now, now or wall_now()
    scenario = loaded.scenario
    clock = DrillClock.start(now, speed)
    clock.pause(now)  # the warm-up first; the storyline starts once the baseline is analysed
    with store.session() as session:
        workspace = create_drill_workspace(session, source_workspace_id, scenario, drill_channel)
        run = DrillRun(
            workspace_id=workspace.id, source_workspace_id=source_workspace_id, scenario=scenario.name,
            scenario_text=loaded.text, brand=brand or scenario.brand, status=RUNNING,
            clock=clock.to_json(), origin=now, started_at=now, started_by=actor,
            journal={"injected": [], "manual": [], "ratings": [], "fired": []},
        )  # fmt: skip
        session.add(run)
        session.flush()
        run_id, workspace_id = run.id, workspace.id
    records = baseline_records(scenario, brand or scenario.brand, now, run_id)
    _ingest(store, workspace_id, records)
    live = live_for(workspace_id)
    live.run_until_idle()
    started = given or wall_now()
    with store.session() as session:
        run = get_run(session, run_id)
        clock = DrillClock.start(started, speed)
        run.clock, run.origin, run.started_at = clock.to_json(), started, started
    _register(run_id, store)
    return run_id


def _ingest(store: Store, workspace_id: int, records: list[dict[str, Any]]) -> None:
    if records:
        MentionIngestor(store, workspace_id).ingest(
            [RawRecord(i, "", r) for i, r in enumerate(records, 1)], origin="drill"
        )


def _register(run_id: int, store: Store) -> None:
    """The drill workspace's actions are stamped in drill time (see response.service.DRILL_CLOCKS)."""
    with store.session() as session:
        run = get_run(session, run_id)
        clock, origin, workspace_id, active = (
            DrillClock.from_json(run.clock),
            run.origin,
            run.workspace_id,
            run.status in ACTIVE,
        )
    if active:
        response.DRILL_CLOCKS[workspace_id] = lambda: origin + clock.position(wall_now())
    else:
        response.DRILL_CLOCKS.pop(workspace_id, None)


def _steer(store: Store, run_id: int, change: Callable[[DrillRun, DrillClock], None]) -> None:
    with store.session() as session:
        run = get_run(session, run_id)
        if run.status not in ACTIVE:
            raise DrillError(f"drill #{run_id} is {run.status}")
        clock = DrillClock.from_json(run.clock)
        change(run, clock)
        run.clock = clock.to_json()
    _register(run_id, store)


def pause(store: Store, run_id: int, now: datetime | None = None) -> None:
    def change(run: DrillRun, clock: DrillClock) -> None:
        clock.pause(now or wall_now())
        run.status = PAUSED

    _steer(store, run_id, change)


def resume(store: Store, run_id: int, now: datetime | None = None) -> None:
    def change(run: DrillRun, clock: DrillClock) -> None:
        clock.resume(now or wall_now())
        run.status = RUNNING

    _steer(store, run_id, change)


def skip(store: Store, run_id: int, by: timedelta, now: datetime | None = None) -> None:
    _steer(store, run_id, lambda _run, clock: clock.skip(now or wall_now(), by))


def fire(store: Store, run_id: int, inject_id: str, now: datetime | None = None) -> None:
    """The facilitator fires an inject by hand: now, or earlier than the script has it."""

    def change(run: DrillRun, clock: DrillClock) -> None:
        view(run).scenario.inject(inject_id)  # KeyError names the known ones
        position = clock.position(now or wall_now()).total_seconds()
        run.journal = run.journal | {"manual": [*run.journal.get("manual", []), [inject_id, position]]}

    try:
        _steer(store, run_id, change)
    except KeyError as error:
        raise DrillError(str(error.args[0])) from error


def rate(store: Store, run_id: int, observer: str, participant: str, score: int, note: str = "") -> None:
    """An observer's rating (1–5) of a participant, kept beside the rule-based scorecard."""
    if not 1 <= score <= 5:
        raise DrillError("a rating is from 1 to 5")
    with store.session() as session:
        run = get_run(session, run_id)
        entry = {"observer": observer, "participant": participant, "score": score, "note": note[:1000]}
        run.journal = run.journal | {"ratings": [*run.journal.get("ratings", []), entry]}


def stop(store: Store, run_id: int, now: datetime | None = None) -> None:
    from stormwatch.drill.scoring import score_run

    now = now or wall_now()
    with store.session() as session:
        run = get_run(session, run_id)
        if run.status in ACTIVE:
            clock = DrillClock.from_json(run.clock)
            clock.pause(now)
            run.clock, run.status, run.ended_at = clock.to_json(), STOPPED, now
    _register(run_id, store)
    with store.session() as session:
        run = get_run(session, run_id)
        run.scorecard = score_run(session, run)


# --- the team's actions, on the drill clock -------------------------------------------------------


def team_actions(session: Session, run: DrillRun, scenario: Scenario | None = None) -> list[engine.Action]:
    """What the team did, as the engine's conditions, at scenario positions."""
    scenario = scenario or view(run).scenario
    actions = [
        engine.Action("manual_inject", timedelta(seconds=float(seconds)), inject)
        for inject, seconds in run.journal.get("manual", [])
    ]
    crisis_ids = list(session.scalars(select(Crisis.id).where(Crisis.workspace_id == run.workspace_id)))
    for event in session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id.in_(crisis_ids), CrisisEvent.kind == "acknowledged")
    ):
        actions.append(engine.Action("acknowledged", event.at - run.origin))
    published = session.execute(
        select(Publication, ResponseDraft)
        .join(ResponseDraft, ResponseDraft.id == Publication.draft_id)
        .where(Publication.crisis_id.in_(crisis_ids))
        .order_by(Publication.published_at, Publication.id)
    ).all()
    actions += [engine.Action("holding_statement", p.published_at - run.origin) for p, _ in published]
    # In time order: what a text set off (a branch on its checks) is known before the next one is
    # checked against the wave running when it was published.
    for publication, draft in published:
        at = publication.published_at - run.origin
        wave = engine.wave_language(scenario, engine.fired_branches(scenario, at, actions), actions, at)
        results = check_text(publication.text, draft.lang, scenario, wave)
        failed = {result.name for result in results if not result.passed}
        if not failed:
            actions.append(engine.Action("public_reply_ok", at))
        if "no_blame" in failed:
            actions.append(engine.Action("reply_blames_customer", at))
        if "language" in failed:
            actions.append(engine.Action("reply_wrong_language", at))
    return sorted(actions, key=lambda a: a.at)


# --- advancing ------------------------------------------------------------------------------------


def advance(
    store: Store,
    run_id: int,
    live: LivePipeline,
    library: PlaybookLibrary,
    *,
    now: datetime | None = None,
    send: Sender = send_with_apprise,
) -> int:
    """One step of a drill: due posts stored and analysed, branches noted, its crises ticked on the
    drill's clock; the drill stops by itself at the scenario's end. Returns how many posts went in."""
    now = now or wall_now()
    with store.session() as session:
        run = get_run(session, run_id)
        if run.status not in ACTIVE:
            return 0
        current = view(run)
        position = current.position(now)
        due = engine.plan(current.scenario, position, team_actions(session, run, current.scenario))
        done = set(run.journal.get("injected", []))
        new = [post for post in due.posts if post.id not in done]
        records = [_record(p, f"{run.id}-{p.id}", run.origin + p.at, run.brand) for p in new]
        fired = [[f.branch, f.at.total_seconds()] for f in due.fired]
        run.journal = run.journal | {"injected": [*done, *(p.id for p in new)], "fired": fired}
        workspace_id, drill_now, finished = (
            run.workspace_id,
            current.drill_time(now),
            position >= current.scenario.duration,
        )
    _ingest(store, workspace_id, records)
    live.run_until_idle()
    response.tick(store, library, now=drill_now, send=send, drill_workspace=workspace_id)
    if finished:
        stop(store, run_id, now)
    return len(records)


def advance_all(
    store: Store,
    library: PlaybookLibrary,
    live_for: Callable[[int], LivePipeline],
    *,
    send: Sender = send_with_apprise,
) -> int:
    """Advance every running drill of the store (the live service calls it every round)."""
    with store.session() as session:
        runs = list(
            session.execute(select(DrillRun.id, DrillRun.workspace_id).where(DrillRun.status.in_(ACTIVE)))
        )
    total = 0
    for run_id, workspace_id in runs:
        if workspace_id not in response.DRILL_CLOCKS:
            _register(run_id, store)
        total += advance(store, run_id, live_for(workspace_id), library, send=send)
    return total


def status(store: Store, run_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Where the drill stands, with its injects and the team's actions side by side."""
    now = now or wall_now()
    with store.session() as session:
        run = get_run(session, run_id)
        current = view(run)
        position = (
            current.position(now) if run.status in ACTIVE else current.clock.position(run.ended_at or now)
        )
        actions = team_actions(session, run, current.scenario)
        due = engine.plan(current.scenario, position, actions)
        crises = session.scalars(
            select(Crisis).where(Crisis.workspace_id == run.workspace_id).order_by(Crisis.id)
        ).all()
        events = session.scalars(
            select(CrisisEvent)
            .where(CrisisEvent.crisis_id.in_([c.id for c in crises]), CrisisEvent.actor != SYSTEM_ACTOR)
            .order_by(CrisisEvent.at, CrisisEvent.id)
        ).all()
        injects = [
            {"id": i, "title": current.scenario.inject(i).title, "minute": round(at.total_seconds() / 60, 1)}
            for i, at in sorted(due.injects_started.items(), key=lambda item: item[1])
        ]
        pending = [
            {
                "id": inject.id,
                "title": inject.title,
                "minute": None if inject.at is None else inject.at.total_seconds() / 60,
            }
            for inject in current.scenario.injects
            if inject.id not in due.injects_started
        ]
        return {
            "id": run.id, "scenario": run.scenario, "title": current.scenario.title, "brand": run.brand,
            "status": run.status, "speed": current.clock.speed, "workspace_id": run.workspace_id,
            "minute": round(min(position, current.scenario.duration).total_seconds() / 60, 1),
            "duration_minutes": current.scenario.duration.total_seconds() / 60,
            "drill_time": (run.origin + position).isoformat(), "started_at": run.started_at.isoformat(),
            "posts_injected": len(run.journal.get("injected", [])),
            "injects": injects, "pending_injects": pending,
            "branches": [
                {"id": f.branch, "minute": round(f.at.total_seconds() / 60, 1), "note": current.scenario.branch(f.branch).note}
                for f in due.fired
            ],
            "crises": [
                {"key": c.key, "status": c.status, "severity": c.severity, "cause": c.cause, "opened_at": c.opened_at.isoformat(),
                 "minute": round((c.opened_at - run.origin).total_seconds() / 60, 1)}
                for c in crises
            ],
            "actions": [
                {"minute": round((e.at - run.origin).total_seconds() / 60, 1), "kind": e.kind, "actor": e.actor, "message": e.message}
                for e in events
            ],
            "ratings": run.journal.get("ratings", []),
            "scorecard": run.scorecard,
        }  # fmt: skip


def runs_of(session: Session, source_workspace_id: int) -> list[DrillRun]:
    return list(
        session.scalars(
            select(DrillRun)
            .where(DrillRun.source_workspace_id == source_workspace_id)
            .order_by(DrillRun.id.desc())
        )
    )


def run_for_workspace(session: Session, workspace_id: int) -> DrillRun | None:
    """The drill a workspace belongs to, whether it is the drill's sandbox or its real workspace
    (then the newest)."""
    own = session.scalar(select(DrillRun).where(DrillRun.workspace_id == workspace_id))
    if own is not None:
        return own
    return session.scalar(
        select(DrillRun)
        .where(DrillRun.source_workspace_id == workspace_id)
        .order_by(DrillRun.id.desc())
        .limit(1)
    )


def propose_changes(store: Store, run_id: int, actor: str, library: PlaybookLibrary) -> dict[str, Any]:
    """The drill's lessons as a proposed playbook version, through the review flow of real crises:
    the drill's crisis is resolved and reviewed, the review proposes the change, and someone else
    approves it (`stormwatch crisis change KEY --approve`). The playbooks are the real workspace's."""
    from stormwatch.playbook.revision import PlaybookChange
    from stormwatch.response import review

    with store.session() as session:
        run = get_run(session, run_id)
        card, workspace_id = run.scorecard, run.workspace_id
    if card is None:
        raise DrillError(f"drill #{run_id} is still {run.status}: stop it first")
    if not card["playbook_changes"] or card["crisis"] is None:
        raise DrillError(f"drill #{run_id} suggests no playbook change")
    key = card["crisis"]
    with response.acting_in(workspace_id):
        with store.session() as session:
            status = session.scalar(
                select(Crisis.status).where(Crisis.workspace_id == workspace_id, Crisis.key == key)
            )
        if status in OPEN_STATUSES:
            response.resolve(store, key, actor, f"Drill #{run_id} ended.")
        measures = {m["name"]: m["reason"] for m in card["measures"]}
        return review.create_review(
            store, key, actor,
            what_worked="; ".join(measures[name] for name in card["went_well"]),
            what_to_improve="; ".join(measures[name] for name in card["to_change"]),
            lessons=[f"Drill #{run_id} ({run.scenario}): {measures[name]}" for name in card["to_change"]],
            changes=[PlaybookChange.parse(spec) for spec in card["playbook_changes"]],
            library=library,
        )  # fmt: skip
