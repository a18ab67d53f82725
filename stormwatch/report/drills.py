"""Drill results for a review's period.

Drills (rehearsed crises) are built in ``stormwatch/drill/``, which is not merged yet; until it
is, no drill has been run, and the review says so. This is the one place to wire them in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stormwatch.store.db import Store


def drills_run(
    store: Store, workspace_id: int, since: datetime, until: datetime, brand: str | None = None
) -> list[dict[str, Any]]:
    """The drills run in ``since``..``until``: each a dict with ``cause``, ``at``, ``score``."""
    del store, workspace_id, since, until, brand  # read once stormwatch/drill/ exists
    return []
