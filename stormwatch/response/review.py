"""The post-crisis review: what the clock says, what the crowd said, and what the team learned.

Figures come from the record, not from memory: detection from the posts the detectors cited,
acknowledgement and resolution from the timeline, first response from the publications, and the
sentiment of the brand's mentions in the day before, during, and the day after the crisis.
Lessons may carry playbook changes, which become a proposed new playbook version that someone
other than the reviewer approves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.i18n.refusal import Number, Phrase, Share, Term
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.models import Playbook
from stormwatch.playbook.revision import (
    PlaybookChange,
    RevisionError,
    apply_proposal,
    propose_change,
    reject_proposal,
)
from stormwatch.response.models import CrisisPlan, CrisisReview, Page, Publication
from stormwatch.response.service import ResponseError, _iso, _move, get_crisis, plan_of, utc_now
from stormwatch.response.timeline import record
from stormwatch.store.db import Store

SENTIMENT_WINDOW = timedelta(hours=24)


def crisis_figures(session: Session, crisis: Crisis, now: datetime) -> dict[str, Any]:
    events = session.scalars(
        select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id)
    ).all()
    acknowledged = next((e.at for e in events if e.kind == "acknowledged"), None)
    first_response = session.scalar(
        select(func.min(Publication.published_at)).where(Publication.crisis_id == crisis.id)
    )
    resolved = crisis.closed_at
    onset = _onset(session, crisis)
    end = resolved or now
    pages = session.scalars(select(Page).where(Page.crisis_id == crisis.id)).all()
    figures: dict[str, Any] = {
        "onset": _iso(onset),
        "opened_at": _iso(crisis.opened_at),
        "peak_severity": crisis.severity,
        "minutes_to_detect": _minutes(onset, crisis.opened_at),
        "minutes_to_acknowledge": _minutes(crisis.opened_at, acknowledged),
        "minutes_to_first_response": _minutes(crisis.opened_at, first_response),
        "minutes_to_resolution": _minutes(crisis.opened_at, resolved),
        "pages": sum(1 for p in pages if p.level >= 0),
        "escalations": sum(1 for p in pages if p.level > 0),
        "sentiment": {
            "before": _sentiment(
                session, crisis.brand_id, crisis.opened_at - SENTIMENT_WINDOW, crisis.opened_at
            ),
            "during": _sentiment(session, crisis.brand_id, crisis.opened_at, end),
            "after": _sentiment(session, crisis.brand_id, end, end + SENTIMENT_WINDOW),
        },
        "steps": _step_record(session, crisis, events),
    }
    figures["observations"] = _observations(session, crisis, figures)
    return figures


def _onset(session: Session, crisis: Crisis) -> datetime | None:
    """When the storm began: the earliest post the detectors cited, else the first signal's window."""
    signals = session.scalars(select(SignalRecord).where(SignalRecord.crisis_id == crisis.id)).all()
    cited = {str(i) for s in signals for i in _as_list(s.evidence.get("example_ids"))}
    earliest = None
    if cited:
        earliest = session.scalar(
            select(func.min(Mention.created_at)).where(
                Mention.brand_id == crisis.brand_id, Mention.external_id.in_(cited)
            )
        )
    if earliest is not None:
        return earliest
    windows = [s.at - timedelta(minutes=s.window_minutes) for s in signals]
    return min(windows) if windows else None


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _sentiment(session: Session, brand_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(Enrichment.sentiment, func.count(), func.avg(Enrichment.sentiment_score))
        .join(Mention, Mention.id == Enrichment.mention_id)
        .where(Mention.brand_id == brand_id, Mention.created_at >= start, Mention.created_at < end)
        .group_by(Enrichment.sentiment)
    ).all()
    total = sum(count for _, count, _ in rows)
    negative = sum(count for sentiment, count, _ in rows if sentiment == "negative")
    score = sum(float(avg or 0) * count for _, count, avg in rows) / total if total else None
    return {
        "mentions": total,
        "negative_share": round(negative / total, 3) if total else None,
        "mean_score": round(score, 3) if score is not None else None,
    }


def _step_record(session: Session, crisis: Crisis, events: Sequence[CrisisEvent]) -> dict[str, list[str]]:
    playbook = plan_of(session, crisis)
    done = {str(e.data.get("step")): e.at for e in events if e.kind == "step_done"}
    result: dict[str, list[str]] = {"on_time": [], "late": [], "not_done": []}
    if playbook is None:
        return result
    for step in playbook.all_steps():
        due = crisis.opened_at + timedelta(minutes=step.due_minutes)
        if step.id not in done:
            result["not_done"].append(step.id)
        else:
            result["on_time" if done[step.id] <= due else "late"].append(step.id)
    return result


def _observations(session: Session, crisis: Crisis, figures: dict[str, Any]) -> list[str]:
    """What worked and what did not, measured against the crisis's own playbook (English, as stored)."""
    return [str(phrase) for phrase in observations(figures, plan_of(session, crisis), crisis.severity)]


def observations(figures: Mapping[str, Any], playbook: Playbook | None, severity: int) -> list[Phrase]:
    """The review's observations as phrases, to be said in any reader's language."""
    notes: list[Phrase] = []
    if playbook is None:
        return notes
    ack = figures["minutes_to_acknowledge"]
    if ack is not None:
        notes.append(
            Phrase(
                "Acknowledged after %(minutes)s min, within the playbook's time."
                if ack <= playbook.rule_for(severity).ack_within_minutes
                else "Acknowledged after %(minutes)s min, later than the playbook's time.",
                {"minutes": Number(ack)},
            )
        )
    if figures["escalations"]:
        notes.append(
            Phrase(
                "The alert had to be escalated %(count)s time(s) before anyone took it.",
                {"count": figures["escalations"]},
            )
        )
    holding = next((s for s in playbook.all_steps() if s.template == "holding_statement"), None)
    first = figures["minutes_to_first_response"]
    if holding is not None:
        if first is None:
            notes.append(Phrase("No public response was published."))
        else:
            notes.append(
                Phrase(
                    "First public response after %(minutes)s min, within the %(target)s min target."
                    if first <= holding.due_minutes
                    else "First public response after %(minutes)s min, later than the %(target)s min target.",
                    {"minutes": Number(first), "target": holding.due_minutes},
                )
            )
    before, after = figures["sentiment"]["before"], figures["sentiment"]["after"]
    if before["negative_share"] is not None and after["negative_share"] is not None:
        back = after["negative_share"] <= before["negative_share"] * 1.25 + 0.02
        notes.append(
            Phrase(
                "Negative share %(before)s before, %(after)s after: back to normal."
                if back
                else "Negative share %(before)s before, %(after)s after: not back to normal yet.",
                {"before": Share(before["negative_share"]), "after": Share(after["negative_share"])},
            )
        )
    return notes


def create_review(
    store: Store,
    key: str,
    actor: str,
    *,
    what_worked: str = "",
    what_to_improve: str = "",
    lessons: list[str] | None = None,
    changes: list[PlaybookChange] | None = None,
    library: PlaybookLibrary | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Review a resolved crisis: figures, the team's words, lessons, and a proposed playbook change."""
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        if crisis.status != "resolved":
            raise ResponseError(
                "crisis %(key)s is %(status)s; review it once it is resolved",
                key=key,
                status=Term(crisis.status),
            )
        figures = crisis_figures(session, crisis, now)
        review = CrisisReview(
            crisis_id=crisis.id,
            created_by=actor,
            created_at=now,
            figures=figures,
            what_worked=what_worked,
            what_to_improve=what_to_improve,
            lessons=[{"text": text} for text in lessons or []],
            change_status="none",
        )
        if changes:
            plan = session.get(CrisisPlan, crisis.id)
            if library is None or plan is None:
                raise ResponseError(
                    "playbook changes need the crisis's playbook and the workspace's playbooks"
                )
            note = f"After the review of {key}: " + "; ".join(lessons or [c.describe() for c in changes])
            try:
                path = propose_change(library, plan.playbook, changes, note, today or now.date())
            except (RevisionError, KeyError, ValueError) as error:
                raise ResponseError("the playbook change cannot be made: %(reason)s", reason=error) from error
            review.change_path, review.change_status = str(path), "proposed"
            proposed: list[dict[str, object]] = [{"change": c.describe()} for c in changes]
            review.lessons = [*review.lessons, *proposed]
        session.add(review)
        _move(session, crisis, "reviewed", actor, "Post-crisis review recorded.", now)
        message = "Review: " + "; ".join(figures["observations"])
        if review.change_path:
            message += f" Proposed playbook change: {review.change_path}."
        record(session, crisis, "review", actor, message, now, figures=figures)
        return review_dict(review)


def decide_playbook_change(
    store: Store,
    key: str,
    actor: str,
    *,
    approve: bool,
    library: PlaybookLibrary,
    now: datetime | None = None,
) -> str | None:
    """Apply (or drop) the playbook change a review proposed; the reviewer cannot approve their own."""
    now = utc_now(now)
    with store.session() as session:
        crisis = get_crisis(session, key)
        review = session.get(CrisisReview, crisis.id)
        plan = session.get(CrisisPlan, crisis.id)
        if review is None or plan is None or review.change_status != "proposed":
            raise ResponseError("crisis %(key)s has no proposed playbook change waiting", key=key)
        if approve and actor.casefold() == review.created_by.casefold():
            raise ResponseError("%(person)s proposed this change; someone else must approve it", person=actor)
        try:
            applied = apply_proposal(library, plan.playbook) if approve else None
            if not approve:
                reject_proposal(library, plan.playbook)
        except (RevisionError, ValueError) as error:
            raise ResponseError("the playbook change cannot be made: %(reason)s", reason=error) from error
        review.change_status = "applied" if approve else "rejected"
        review.change_decided_by, review.change_decided_at = actor, now
        verb = f"applied to {applied}" if applied else "rejected"
        record(session, crisis, "playbook_change", actor, f"Playbook change {verb}.", now)
        return str(applied) if applied else None


def review_of(session: Session, crisis: Crisis) -> dict[str, Any] | None:
    review = session.get(CrisisReview, crisis.id)
    return review_dict(review) if review else None


def review_dict(review: CrisisReview) -> dict[str, Any]:
    return {
        "by": review.created_by,
        "at": _iso(review.created_at),
        "figures": review.figures,
        "what_worked": review.what_worked,
        "what_to_improve": review.what_to_improve,
        "lessons": review.lessons,
        "playbook_change": {
            "path": review.change_path,
            "status": review.change_status,
            "by": review.change_decided_by,
        },
    }


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)
