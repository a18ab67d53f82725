"""Drill results for a review's period, from the drills' own readiness history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stormwatch.drill.history import drill_results
from stormwatch.store.db import Store


def drills_run(
    store: Store, workspace_id: int, since: datetime | None, until: datetime, brand: str | None = None
) -> list[dict[str, Any]]:
    """The scored drills started in ``since``..``until`` (from the beginning when ``since`` is None):
    each a dict with ``cause``, ``at`` (datetime) and ``score``."""
    with store.session() as session:
        rows = drill_results(session, workspace_id, brand=brand)
    runs = []
    for row in rows:
        at = datetime.fromisoformat(row["started_at"])
        if at.tzinfo is None and until.tzinfo is not None:
            at = at.replace(tzinfo=until.tzinfo)
        if (since is None or since <= at) and at < until:
            runs.append({"cause": row["cause"], "at": at, "score": row["score"], "scenario": row["scenario"]})
    return runs
