"""Readiness history: the scores of a workspace's finished drills, per brand and cause."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.drill.models import DrillRun


def drill_results(session: Session, workspace_id: int, *, brand: str | None = None) -> list[dict[str, Any]]:
    """Every scored drill run from ``workspace_id`` (the real one), oldest first."""
    query = select(DrillRun).where(
        DrillRun.source_workspace_id == workspace_id, DrillRun.scorecard.is_not(None)
    )
    if brand is not None:
        query = query.where(DrillRun.brand == brand)
    rows = []
    for run in session.scalars(query.order_by(DrillRun.started_at, DrillRun.id)):
        card = run.scorecard or {}
        rows.append(
            {
                "id": run.id, "scenario": run.scenario, "brand": run.brand, "cause": card.get("cause", ""),
                "started_at": run.started_at.isoformat(), "score": card.get("score", 0.0),
                "measures": {m["name"]: m["score"] for m in card.get("measures", [])},
            }
        )  # fmt: skip
    return rows


def last_per_cause(
    session: Session, workspace_id: int, *, brand: str | None = None
) -> dict[str, dict[str, Any]]:
    """The newest scored drill for each crisis cause: which causes the team has not trained lately."""
    last: dict[str, dict[str, Any]] = {}
    for row in drill_results(session, workspace_id, brand=brand):
        last[row["cause"]] = row
    return dict(sorted(last.items()))
