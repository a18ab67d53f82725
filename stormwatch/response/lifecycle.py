"""The stages a crisis goes through, and which moves between them are allowed.

detected → acknowledged → responding → monitoring → resolved → reviewed. A crisis in monitoring
can flare up again (back to responding), a resolved one can be reopened, and a false alarm may be
resolved straight from detected. A merged crisis lives on in the one it was merged into.
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal["detected", "acknowledged", "responding", "monitoring", "resolved", "reviewed", "merged"]
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN_STATUSES: frozenset[str] = frozenset({"detected", "acknowledged", "responding", "monitoring"})
CLOSED_STATUSES: frozenset[str] = frozenset({"resolved", "reviewed", "merged"})

ALLOWED: dict[str, frozenset[str]] = {
    "detected": frozenset({"acknowledged", "responding", "monitoring", "resolved", "merged"}),
    "acknowledged": frozenset({"responding", "monitoring", "resolved", "merged"}),
    "responding": frozenset({"monitoring", "resolved", "merged"}),
    "monitoring": frozenset({"responding", "resolved", "merged"}),
    "resolved": frozenset({"responding", "reviewed"}),
    "reviewed": frozenset(),
    "merged": frozenset(),
}


class TransitionError(ValueError):
    """A status change the lifecycle does not allow; the message says what is possible instead."""


def check_transition(current: str, target: str) -> None:
    if target not in STATUSES:
        raise TransitionError(f"unknown status {target!r}; statuses are {', '.join(STATUSES)}")
    allowed = ALLOWED.get(current, frozenset())
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none (it is final)"
        raise TransitionError(f"a crisis that is {current} cannot become {target}; possible: {options}")
