"""What each role and each token scope allows: pure tables, no I/O.

Actions are the unit of permission. A browser user gets the actions of their role in the
workspace; an API token gets exactly its scopes (which use the same names).
"""

from __future__ import annotations

from typing import Literal, get_args

from stormwatch.auth.models import Role

Action = Literal[
    "read",  # dashboards, mentions, crises, playbooks, alerts, figures
    "mentions:write",  # push mentions
    "crises:act",  # acknowledge, note, draft replies
    "crises:manage",  # assign, change status, approve replies
    "admin",  # tokens, audit log, users
]
ACTIONS: tuple[Action, ...] = get_args(Action)

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "mentions:write", "crises:act"}),
    "manager": frozenset({"read", "mentions:write", "crises:act", "crises:manage"}),
    "admin": frozenset(ACTIONS),
}


def role_allows(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())  # type: ignore[call-overload]


def validate_scopes(scopes: list[str]) -> list[Action]:
    """The scopes in canonical order; an unknown one is an error naming it."""
    unknown = sorted(set(scopes) - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(ACTIONS)}")
    return [action for action in ACTIONS if action in scopes]
