"""Writing to a crisis's append-only timeline: who did or saw what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from stormwatch.crisis.models import Crisis, CrisisEvent


def record(
    session: Session, crisis: Crisis, kind: str, actor: str, message: str, at: datetime, **data: Any
) -> CrisisEvent:
    event = CrisisEvent(crisis_id=crisis.id, at=at, kind=kind, actor=actor, message=message, data=data)
    session.add(event)
    return event
