"""How a drill's messages are marked: imported by alerting and paging, so it imports almost nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.workspace.models import Workspace

DRILL_MARK = "[DRILL]"


def is_drill(session: Session, workspace_id: int) -> bool:
    return bool(session.scalar(select(Workspace.drill).where(Workspace.id == workspace_id)))


def marked(title: str, body: str) -> tuple[str, str]:
    """The title and body of a drill's alert, page or e-mail: marked at the start of both, so that
    neither a subject line nor a chat preview can be taken for a real crisis."""
    note = f"{DRILL_MARK} This is a drill, not a real crisis."
    return (
        title if title.startswith(DRILL_MARK) else f"{DRILL_MARK} {title}",
        body if body.startswith(DRILL_MARK) else f"{note}\n\n{body}",
    )


def drill_clock(session: Session, workspace_id: int) -> dict[str, object] | None:
    """The drill's time now and how fast it runs, for the pages' countdowns (a drill at ×10 counts
    its playbook deadlines down ten times faster than the wall clock; a paused one stands still)."""
    from stormwatch.drill.clock import DrillClock
    from stormwatch.drill.models import DrillRun

    run = session.scalar(select(DrillRun).where(DrillRun.workspace_id == workspace_id))
    if run is None:
        return None
    clock = DrillClock.from_json(run.clock)
    active = run.status in ("running", "paused")
    wall = datetime.now(UTC) if active else run.ended_at or run.started_at
    return {
        "now": (run.origin + clock.position(wall)).isoformat(),
        "speed": clock.speed if active and clock.running else 0,
    }
