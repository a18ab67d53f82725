"""Crisis-room actions the web app offers, delegated to the crisis service layer.

Each function checks nothing about permissions (the route did) and takes the crisis already
looked up inside the caller's workspace.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from stormwatch.auth.service import Principal
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.workspace.models import utcnow


class ActionError(ValueError):
    """The action does not fit the crisis's state; the message says why."""


def acknowledge(session: Session, crisis: Crisis, principal: Principal) -> None:
    if crisis.status != "detected":
        raise ActionError(f"crisis is already {crisis.status}")
    crisis.status = "acknowledged"
    _record(
        session,
        crisis,
        principal,
        "acknowledged",
        f"{principal.display_name or principal.actor} acknowledged",
    )


def add_note(session: Session, crisis: Crisis, principal: Principal, text: str) -> None:
    _record(session, crisis, principal, "note", text)


def _record(session: Session, crisis: Crisis, principal: Principal, kind: str, message: str) -> None:
    session.add(
        CrisisEvent(
            crisis_id=crisis.id, at=utcnow(), kind=kind, actor=principal.actor, message=message, data={}
        )
    )
