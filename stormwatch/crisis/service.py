"""Persisting crisis updates and their timelines.

**Who closes a crisis.** The detector only *proposes* closing ("no new warning signs for 6 hours"):
the proposal goes on the timeline (kind ``close_proposed``, with the wall-clock moment it was made)
and the crisis stays open. A person closes it; a crisis nobody has acted on is closed by the
response clock after :data:`stormwatch.response.service.UNTOUCHED_CLOSE_AFTER` of wall time with a
notice on the timeline. A replay's hours pass in seconds, so counting that wait in event time would
close the demo's crisis while its visitor is still logging in; and a team's acknowledgement or
assignment is never overruled by the detector.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.crisis.manager import OpenCrisis
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.workspace.models import Brand

SYSTEM_ACTOR = "stormwatch"
# Resolved, reviewed or merged crises take no more signals (the response lifecycle's closed states).
CLOSED_STATUSES = ("resolved", "reviewed", "merged")
CLOSE_PROPOSED = "close_proposed"


def record_update(session: Session, update: CrisisUpdate, brand: Brand) -> Crisis:
    """Apply one update to the stored crisis (creating it when opened) and add it to the timeline."""
    # Keys are unique per workspace only: another workspace may watch a namesake brand.
    crisis = session.scalar(
        select(Crisis).where(Crisis.key == update.crisis_key, Crisis.workspace_id == brand.workspace_id)
    )
    if crisis is None:
        crisis = Crisis(
            key=update.crisis_key,
            workspace_id=brand.workspace_id,
            brand_id=brand.id,
            opened_at=update.at,
            severity=update.severity,
            cause=update.cause,
            status="detected",
            reason=update.reason,
            last_signal_at=update.at,
        )
        session.add(crisis)
        session.flush()
    elif update.kind == "closed":
        _propose_closing(session, crisis, update)
        return crisis
    elif update.kind == "deescalated":
        crisis.severity = update.severity
    elif update.kind == "reopened":
        # Only a crisis that was closed goes back to "detected"; one the detector merely proposed to
        # close is still the team's, in whatever state they put it.
        if crisis.status in CLOSED_STATUSES:
            crisis.status, crisis.closed_at = "detected", None
        crisis.severity = update.severity
        crisis.last_signal_at = update.at
        crisis.reason = update.reason
    else:
        crisis.severity = max(crisis.severity, update.severity)
        crisis.cause = crisis.cause or update.cause
        crisis.last_signal_at = update.at
        crisis.reason = update.reason
    evidence: dict[str, object] = {"severity": update.severity, "cause": update.cause}
    if update.signal is not None:
        evidence |= update.signal.evidence_json()
    session.add(
        CrisisEvent(
            crisis_id=crisis.id,
            at=update.at,
            kind=update.kind,
            actor=SYSTEM_ACTOR,
            message=update.reason,
            data=evidence,
        )
    )
    return crisis


def _propose_closing(session: Session, crisis: Crisis, update: CrisisUpdate) -> None:
    """Put the detector's closing on the timeline as a proposal (once per calm spell)."""
    last = session.scalar(
        select(CrisisEvent).where(CrisisEvent.crisis_id == crisis.id).order_by(CrisisEvent.id.desc()).limit(1)
    )
    if last is not None and last.kind == CLOSE_PROPOSED:
        return
    session.add(
        CrisisEvent(
            crisis_id=crisis.id,
            at=update.at,
            kind=CLOSE_PROPOSED,
            actor=SYSTEM_ACTOR,
            message=f"{update.reason} Stormwatch proposes closing it; a person decides.",
            data={"severity": update.severity, "proposed_at": datetime.now(UTC).isoformat()},
        )
    )


def open_crises(session: Session, workspace_id: int | None = None) -> list[OpenCrisis]:
    """Crises still open; with ``workspace_id`` only that workspace's (a pipeline serves one tenant,
    and two tenants may well watch brands of the same name)."""
    query = (
        select(Crisis, Brand.name)
        .join(Brand, Brand.id == Crisis.brand_id)
        .where(Crisis.status.not_in(CLOSED_STATUSES))
    )
    if workspace_id is not None:
        query = query.where(Brand.workspace_id == workspace_id)
    rows = session.execute(query).all()
    return [
        OpenCrisis(
            key=crisis.key,
            brand=brand_name,
            opened_at=crisis.opened_at,
            severity=crisis.severity,
            cause=crisis.cause,  # type: ignore[arg-type]
            last_signal_at=crisis.last_signal_at,
        )
        for crisis, brand_name in rows
    ]
