"""How a drill's messages are marked: imported by alerting and paging, so it imports almost nothing."""

from __future__ import annotations

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
