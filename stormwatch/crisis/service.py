"""Persisting crisis updates and their timelines."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.crisis.manager import OpenCrisis
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.workspace.models import Brand

SYSTEM_ACTOR = "stormwatch"
# Resolved, reviewed or merged crises take no more signals (the response lifecycle's closed states).
CLOSED_STATUSES = ("resolved", "reviewed", "merged")


def record_update(session: Session, update: CrisisUpdate, brand: Brand) -> Crisis:
    """Apply one update to the stored crisis (creating it when opened) and add it to the timeline."""
    # The brand too: a key names brand and minute, and another workspace may watch a namesake brand.
    crisis = session.scalar(
        select(Crisis).where(Crisis.key == update.crisis_key, Crisis.brand_id == brand.id)
    )
    if crisis is None:
        crisis = Crisis(
            key=update.crisis_key,
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
        crisis.status, crisis.closed_at = "resolved", update.at
    elif update.kind == "deescalated":
        crisis.severity = update.severity
    elif update.kind == "reopened":
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
