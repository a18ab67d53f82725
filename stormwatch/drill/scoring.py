"""The scorecard of a drill: each measure with its figure, its score (0–1) and the reason.

The measures are the ones a crisis handbook drills for (detection delay, time to acknowledge, to
assign, to the first holding statement, steps within the playbook's deadlines, approvals kept,
escalation, the checks of each public text); the scenario's ``weights`` combine them into one
figure out of 100. Nothing is opaque: every score comes with the sentence that explains it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import SYSTEM_ACTOR
from stormwatch.drill import engine
from stormwatch.drill.checks import check_text
from stormwatch.drill.models import DrillRun
from stormwatch.drill.scenario import WEIGHT_NAMES, Scenario
from stormwatch.playbook.models import Playbook
from stormwatch.response.models import Publication, ResponseDraft
from stormwatch.response.service import plan_of

DEFAULT_HOLDING_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    score: float  # 0..1
    minutes: float | None  # the figure, when it is a time
    template: str  # why: an English msgid with {placeholders}, translated in the report
    values: dict[str, Any] = field(default_factory=dict)
    change: str | None = None  # a playbook change it suggests (PlaybookChange spec), if any

    @property
    def reason(self) -> str:
        return self.template.format(**self.values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"reason": self.reason}


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


# What each timed measure is about, as the report says it.
WHAT = {
    "detection": "Stormwatch opened the crisis",
    "acknowledge": "Acknowledged",
    "assign": "A role beyond the owner assigned",
    "holding_statement": "First public statement",
}


def _timed(name: str, taken: timedelta | None, allowed: float) -> Measure:
    """Full score within the allowed time, half within twice it, none later or never."""
    values: dict[str, Any] = {"what": WHAT[name], "allowed": f"{allowed:g}"}
    if taken is None:
        return Measure(name, 0.0, None, "{what}: not during the drill ({allowed} min allowed)", values)
    minutes = _minutes(taken)
    values["minutes"] = f"{minutes:g}"
    if minutes <= allowed:
        return Measure(
            name, 1.0, minutes, "{what}: after {minutes} min, within the {allowed} min allowed", values
        )
    score = 0.5 if minutes <= 2 * allowed else 0.0
    return Measure(
        name, score, minutes, "{what}: after {minutes} min, later than the {allowed} min allowed", values
    )


def score_run(session: Session, run: DrillRun) -> dict[str, Any]:
    from stormwatch.drill.service import team_actions, view

    current = view(run)
    scenario = current.scenario
    crises = list(
        session.scalars(select(Crisis).where(Crisis.workspace_id == run.workspace_id).order_by(Crisis.id))
    )
    first_post = min((i.at for i in scenario.injects if i.at is not None), default=timedelta(0))
    onset = run.origin + first_post
    actions = team_actions(session, run, scenario)
    fired = engine.fired_branches(scenario, current.clock.position(run.ended_at or run.started_at), actions)
    if not crises:
        measures = [
            Measure(name, 0.0, None, "The crisis was never detected, so nothing could be done")
            for name in WEIGHT_NAMES
        ]
        measures[0] = Measure("detection", 0.0, None, "The injected posts did not open a crisis")
        return _card(scenario, measures, [], fired, None)
    crisis = crises[0]
    events = list(
        session.scalars(
            select(CrisisEvent)
            .where(CrisisEvent.crisis_id.in_([c.id for c in crises]))
            .order_by(CrisisEvent.at, CrisisEvent.id)
        )
    )
    playbook = plan_of(session, crisis)
    publications = list(
        session.execute(
            select(Publication, ResponseDraft)
            .join(ResponseDraft, ResponseDraft.id == Publication.draft_id)
            .where(Publication.crisis_id.in_([c.id for c in crises]))
            .order_by(Publication.published_at)
        )
    )
    end = run.origin + current.clock.position(run.ended_at or run.started_at)
    measures = [
        _detection(crisis, onset, scenario),
        _acknowledge(crisis, events, playbook),
        _assign(crisis, events),
        _holding(crisis, publications, playbook),
        _steps(crisis, events, playbook, end),
        _approvals(publications, playbook, session, run),
        _escalation(events),
    ]
    waves = [
        engine.wave_language(scenario, fired, actions, publication.published_at - run.origin)
        for publication, _ in publications
    ]
    texts = [
        _text_checks(publication, draft, scenario, wave)
        for (publication, draft), wave in zip(publications, waves, strict=True)
    ]
    measures.append(_text_measure(texts))
    people = participants(events, publications, scenario, waves)
    return _card(scenario, measures, texts, fired, crisis, people)


def _detection(crisis: Crisis, onset: datetime, scenario: Scenario) -> Measure:
    expected = _minutes(scenario.expect_detection_within)
    return _timed("detection", crisis.opened_at - onset, expected)


def _acknowledge(crisis: Crisis, events: list[CrisisEvent], playbook: Playbook | None) -> Measure:
    allowed = playbook.rule_for(crisis.severity).ack_within_minutes if playbook else 15
    ack = next((e for e in events if e.kind == "acknowledged"), None)
    measure = _timed("acknowledge", ack.at - crisis.opened_at if ack else None, allowed)
    if measure.score < 1:
        return replace(
            measure,
            change=f"add_checklist:acknowledge=Whoever sees the alert first acknowledges it within {allowed} min",
        )
    return measure


def _assign(crisis: Crisis, events: list[CrisisEvent]) -> Measure:
    # The acknowledger becomes owner by itself: assigning means giving a second role to someone.
    roles = [
        e
        for e in events
        if e.kind == "assigned" and e.data.get("role") != "owner" and e.actor != SYSTEM_ACTOR
    ]
    return _timed("assign", roles[0].at - crisis.opened_at if roles else None, 30)


def _holding(crisis: Crisis, publications: list[Any], playbook: Playbook | None) -> Measure:
    allowed: float = DEFAULT_HOLDING_MINUTES
    if playbook is not None:
        due = [
            s.due_minutes
            for s in playbook.all_steps()
            if s.template == "holding_statement" or s.id == "holding_statement"
        ]
        allowed = min(due) if due else allowed
    first = publications[0][0].published_at - crisis.opened_at if publications else None
    measure = _timed("holding_statement", first, allowed)
    if measure.score < 1:
        return replace(
            measure,
            change=f"add_checklist:holding_statement=Keep an approved holding statement ready so it goes out within {allowed:g} min",
        )
    return measure


def _steps(crisis: Crisis, events: list[CrisisEvent], playbook: Playbook | None, end: datetime) -> Measure:
    if playbook is None:
        return Measure("steps_on_time", 0.0, None, "No playbook was attached")
    done = {str(e.data.get("step")): e.at for e in events if e.kind == "step_done"}
    due = [s for s in playbook.all_steps() if crisis.opened_at + timedelta(minutes=s.due_minutes) <= end]
    if not due:
        return Measure("steps_on_time", 1.0, None, "No playbook step fell due during the drill")
    on_time = [
        s for s in due if s.id in done and done[s.id] - crisis.opened_at <= timedelta(minutes=s.due_minutes)
    ]
    missed = ", ".join(s.title for s in due if s not in on_time)
    values = {"done": len(on_time), "due": len(due), "missed": missed}
    template = "{done} of {due} steps due during the drill were done on time" + (
        "; late or not done: {missed}" if missed else ""
    )
    return Measure("steps_on_time", len(on_time) / len(due), None, template, values)


def _approvals(
    publications: list[Any], playbook: Playbook | None, session: Session, run: DrillRun
) -> Measure:
    if not publications:
        return Measure("approvals", 0.0, None, "Nothing was published, so no approval was shown")
    from stormwatch.workspace.models import Person

    roles = {
        p.name: set(p.roles)
        for p in session.scalars(select(Person).where(Person.workspace_id == run.workspace_id))
    }
    allowed = set(playbook.approval.roles) if playbook else set()
    kept = [
        d
        for _, d in publications
        if d.decided_by
        and d.decided_by != d.drafted_by
        and (not allowed or d.decided_by not in roles or roles[d.decided_by] & allowed)
    ]
    values = {"kept": len(kept), "published": len(publications)}
    template = "{kept} of {published} published texts approved by someone else with an approver's role"
    return Measure("approvals", len(kept) / len(publications), None, template, values)


def _escalation(events: list[CrisisEvent]) -> Measure:
    escalations = [e for e in events if e.kind == "escalation"]
    ack = next((e for e in events if e.kind == "acknowledged"), None)
    if ack is None:
        return Measure(
            "escalation", 0.0, None, "Nobody acknowledged; escalations: {n}", {"n": len(escalations)}
        )
    before = [e for e in escalations if e.at < ack.at]
    if not before:
        return Measure("escalation", 1.0, None, "Acknowledged before any escalation was needed")
    return Measure(
        "escalation",
        0.5,
        None,
        "Acknowledged by {who} after escalations: {n}",
        {"who": ack.actor, "n": len(before)},
    )


def _text_checks(
    publication: Publication, draft: ResponseDraft, scenario: Scenario, wave_lang: str | None
) -> dict[str, Any]:
    results = check_text(publication.text, draft.lang, scenario, wave_lang)
    return {
        "text": publication.text, "lang": draft.lang, "by": draft.drafted_by, "at": publication.published_at.isoformat(),
        "checks": [asdict(r) | {"explanation": r.explanation} for r in results], "passed": sum(r.passed for r in results), "total": len(results),
    }  # fmt: skip


def _text_measure(texts: list[dict[str, Any]]) -> Measure:
    if not texts:
        return Measure("text_checks", 0.0, None, "No public text was published")
    passed = sum(t["passed"] for t in texts)
    total = sum(t["total"] for t in texts)
    return Measure(
        "text_checks",
        passed / total,
        None,
        "{passed} of {total} checks of the public texts passed",
        {"passed": passed, "total": total},
    )


def participants(
    events: list[CrisisEvent],
    publications: list[Any],
    scenario: Scenario,
    waves: list[str | None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per person: what they did, and the checks of the texts they drafted (``waves``: the language of
    the wave running when each publication went out)."""
    people: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.actor == SYSTEM_ACTOR:
            continue
        person = people.setdefault(event.actor, {"actions": {}, "texts_checked": 0, "checks_passed": 0})
        person["actions"][event.kind] = person["actions"].get(event.kind, 0) + 1
    for (publication, draft), wave in zip(publications, waves or [None] * len(publications), strict=True):
        person = people.setdefault(draft.drafted_by, {"actions": {}, "texts_checked": 0, "checks_passed": 0})
        results = check_text(publication.text, draft.lang, scenario, wave)
        person["texts_checked"] += len(results)
        person["checks_passed"] += sum(r.passed for r in results)
    return people


def _card(
    scenario: Scenario,
    measures: list[Measure],
    texts: list[dict[str, Any]],
    fired: list[engine.Fired],
    crisis: Crisis | None,
    people: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    weights = {m.name: scenario.weight(m.name) for m in measures}
    total = sum(weights.values()) or 1.0
    score = round(100 * sum(m.score * weights[m.name] for m in measures) / total, 1)
    return {
        "score": score,
        "crisis": crisis.key if crisis else None,
        "cause": scenario.cause,
        "measures": [m.as_dict() | {"weight": weights[m.name]} for m in measures],
        "texts": texts,
        "branches": [
            {"id": f.branch, "minute": _minutes(f.at), "note": scenario.branch(f.branch).note} for f in fired
        ],
        "went_well": [m.name for m in measures if m.score >= 0.8],
        "to_change": [m.name for m in measures if m.score < 0.5],
        "playbook_changes": [m.change for m in measures if m.change],
        "participants": people or {},
    }
