"""Reading and writing each source's checkpoint and health in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.sources.base import Cursor
from stormwatch.sources.models import SourceState
from stormwatch.store.db import Store
from stormwatch.workspace.models import utcnow


@dataclass(frozen=True, slots=True)
class SourceHealth:
    key: str
    network: str
    brand: str
    status: str  # "ok", "failing" or "never run"
    last_success_at: datetime | None
    lag_seconds: float | None  # how old the freshest data is: time since the last successful fetch
    newest_item_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_stored: int
    items_quarantined: int

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "network": self.network,
            "brand": self.brand,
            "status": self.status,
            "last_success_at": _iso(self.last_success_at),
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 1),
            "newest_item_at": _iso(self.newest_item_at),
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
            "consecutive_failures": self.consecutive_failures,
            "items_stored": self.items_stored,
            "items_quarantined": self.items_quarantined,
        }


class Checkpoints:
    """Checkpoint and health rows of one workspace's sources."""

    def __init__(self, store: Store, workspace_id: int) -> None:
        self.store = store
        self.workspace_id = workspace_id

    def cursor(self, key: str) -> Cursor:
        with self.store.session() as session:
            state = self._find(session, key)
            return dict(state.cursor) if state is not None else {}

    def saved(
        self,
        key: str,
        network: str,
        brand: str,
        cursor: Cursor,
        *,
        stored: int,
        quarantined: int,
        newest: datetime | None,
    ) -> None:
        """Record a page stored: its cursor becomes the resume point and the source is healthy."""
        with self.store.session() as session:
            state = self._get(session, key, network, brand)
            state.cursor = dict(cursor)
            now = utcnow()
            state.last_success_at = now
            state.updated_at = now
            state.consecutive_failures = 0
            state.items_stored += stored
            state.items_quarantined += quarantined
            if newest is not None and (state.newest_item_at is None or newest > state.newest_item_at):
                state.newest_item_at = newest

    def failed(self, key: str, network: str, brand: str, error: str) -> int:
        """Record a failure; returns how many in a row."""
        with self.store.session() as session:
            state = self._get(session, key, network, brand)
            now = utcnow()
            state.last_error = error[:2000]
            state.last_error_at = now
            state.updated_at = now
            state.consecutive_failures += 1
            return state.consecutive_failures

    def health(self, known: list[tuple[str, str, str]] | None = None) -> list[SourceHealth]:
        """Health of every source with a row, plus ``known`` (key, network, brand) ones never run."""
        with self.store.session() as session:
            states = {
                state.key: state
                for state in session.scalars(
                    select(SourceState).where(SourceState.workspace_id == self.workspace_id)
                )
            }
        now = utcnow()
        rows = [_health(state, now) for state in states.values()]
        for key, network, brand in known or []:
            if key not in states:
                rows.append(
                    SourceHealth(key, network, brand, "never run", None, None, None, None, None, 0, 0, 0)
                )
        return sorted(rows, key=lambda row: row.key)

    def _find(self, session: Session, key: str) -> SourceState | None:
        return session.scalar(
            select(SourceState).where(SourceState.workspace_id == self.workspace_id, SourceState.key == key)
        )

    def _get(self, session: Session, key: str, network: str, brand: str) -> SourceState:
        state = self._find(session, key)
        if state is None:
            state = SourceState(
                workspace_id=self.workspace_id,
                key=key,
                network=network,
                brand=brand,
                cursor={},
                consecutive_failures=0,
                items_stored=0,
                items_quarantined=0,
            )
            session.add(state)
        return state


def _health(state: SourceState, now: datetime) -> SourceHealth:
    failing = state.consecutive_failures > 0
    status = "failing" if failing else ("ok" if state.last_success_at else "never run")
    lag = (now - state.last_success_at).total_seconds() if state.last_success_at else None
    return SourceHealth(
        state.key,
        state.network,
        state.brand,
        status,
        state.last_success_at,
        lag,
        state.newest_item_at,
        state.last_error,
        state.last_error_at,
        state.consecutive_failures,
        state.items_stored,
        state.items_quarantined,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
