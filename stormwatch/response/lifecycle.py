"""The stages a crisis goes through, and which moves between them are allowed.

detected → acknowledged → responding → monitoring → resolved → reviewed. A crisis in monitoring
can flare up again (back to responding), a resolved one can be reopened, and a false alarm may be
resolved straight from detected. A merged crisis lives on in the one it was merged into.
"""

from __future__ import annotations

from typing import Literal, get_args

from stormwatch.i18n.refusal import Refusal, Term

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


class TransitionError(Refusal, ValueError):
    """A status change the lifecycle does not allow; the message says what is possible instead."""


def check_transition(current: str, target: str) -> None:
    if target not in STATUSES:
        raise TransitionError(
            "unknown status '%(status)s'; statuses are %(statuses)s",
            status=target,
            statuses=[Term(s) for s in STATUSES],
        )
    allowed = ALLOWED.get(current, frozenset())
    if target not in allowed:
        options = [Term(s) for s in sorted(allowed)] or Term("none (it is final)")
        raise TransitionError(
            "a crisis that is %(current)s cannot become %(target)s; possible: %(options)s",
            current=Term(current),
            target=Term(target),
            options=options,
        )
