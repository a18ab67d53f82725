"""What a playbook holds, validated: roles, timed steps, templates, escalation and approval rules.

A playbook is plain data. Times are minutes after the crisis started (the moment Stormwatch opened
it), because that is how crisis plans are written and rehearsed ("holding statement within 60 min").
"""

from __future__ import annotations

import string
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from stormwatch.analysis.models import CAUSES

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
LANGUAGES = ("en", "pl")

# Filled by Stormwatch when a draft is made; any other placeholder must be given by the drafter
# or have a default in the playbook's `placeholders`.
AUTOMATIC_PLACEHOLDERS = frozenset({"brand", "crisis_key", "cause", "date", "time", "next_update"})
KNOWN_PLACEHOLDERS = AUTOMATIC_PLACEHOLDERS | {
    "issue",  # one plain sentence on what happened
    "action",  # what the brand is doing about it
    "contact",  # where affected people get help
    "customer",  # the handle or name of the person a reply goes to
    "platform",  # the network where the account was taken over
    "data_affected",  # what personal data may have leaked
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(_Strict):
    title: str = Field(min_length=1)
    duties: list[str] = Field(default_factory=list)


class Step(_Strict):
    id: Identifier
    title: str = Field(min_length=1)
    role: Identifier
    due_minutes: int = Field(ge=0, le=60 * 24 * 30)
    checklist: list[str] = Field(default_factory=list)
    template: Identifier | None = None  # the template this step produces, if it is a message


class EscalationRule(_Strict):
    """From this severity up: how long an alert may go unacknowledged, and who is paged in turn."""

    from_severity: int = Field(ge=1, le=4)
    ack_within_minutes: int = Field(gt=0, le=24 * 60)
    chain: list[Identifier] = Field(min_length=1)  # roles paged one after the other
    also_notify: list[Identifier] = Field(default_factory=list)  # roles told at once, no ack expected
    update_every_minutes: int = Field(default=120, gt=0)  # how often the public hears from the brand


class Approval(_Strict):
    roles: list[Identifier] = Field(min_length=1)  # who may approve a public text


class ChangelogEntry(_Strict):
    version: int = Field(ge=1)
    date: str
    note: str = Field(min_length=1)


class Playbook(_Strict):
    name: Identifier
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    applies_to: list[str] = Field(default_factory=list)  # crisis causes; empty only for 'generic'
    summary: str = Field(min_length=1)
    roles: dict[Identifier, Role] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    security_steps: list[Step] = Field(default_factory=list)
    templates: dict[Identifier, dict[str, str]] = Field(min_length=1)
    # Defaults for drafter-given values, per language ({en: ..., pl: ...}): a public text must be
    # entirely in its language, so a default in one language never fills another's template.
    placeholders: dict[Identifier, dict[str, str]] = Field(default_factory=dict)
    escalation: list[EscalationRule] = Field(min_length=1)
    approval: Approval
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    @field_validator("applies_to")
    @classmethod
    def _known_causes(cls, causes: list[str]) -> list[str]:
        unknown = [cause for cause in causes if cause not in CAUSES]
        if unknown:
            raise ValueError(f"unknown cause {unknown[0]!r}; causes are {', '.join(CAUSES)}")
        return causes

    def all_steps(self) -> list[Step]:
        """Every step in deadline order; security steps run alongside the communication ones."""
        return sorted([*self.steps, *self.security_steps], key=lambda step: step.due_minutes)

    def step(self, step_id: str) -> Step:
        for step in self.all_steps():
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def defaults_for(self, lang: str) -> dict[str, str]:
        """The placeholders' default values in ``lang`` (those without one in it are left out)."""
        return {name: texts[lang] for name, texts in self.placeholders.items() if lang in texts}

    def rule_for(self, severity: int) -> EscalationRule:
        """The rule of the highest ``from_severity`` not above ``severity``."""
        fitting = [rule for rule in self.escalation if rule.from_severity <= severity]
        return max(fitting or self.escalation, key=lambda rule: rule.from_severity)


def placeholders_in(template: str) -> list[str]:
    """The ``{name}`` placeholders of a template, in order of appearance."""
    return [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]


def cross_reference_problems(playbook: Playbook) -> list[tuple[tuple[str | int, ...], str]]:
    """What pydantic cannot see field by field: names that must point at something, each with its path."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    roles = set(playbook.roles)
    for section in ("steps", "security_steps"):
        seen: set[str] = set()
        for index, step in enumerate(getattr(playbook, section)):
            if step.role not in roles:
                problems.append(((section, index, "role"), f"role {step.role!r} is not defined in roles"))
            if step.template is not None and step.template not in playbook.templates:
                problems.append(
                    ((section, index, "template"), f"template {step.template!r} is not defined in templates")
                )
            if step.id in seen:
                problems.append(((section, index, "id"), f"step id {step.id!r} is used twice"))
            seen.add(step.id)
    for index, rule in enumerate(playbook.escalation):
        for key in ("chain", "also_notify"):
            for position, role in enumerate(getattr(rule, key)):
                if role not in roles:
                    problems.append(
                        (("escalation", index, key, position), f"role {role!r} is not defined in roles")
                    )
    if 1 not in {rule.from_severity for rule in playbook.escalation}:
        problems.append((("escalation",), "needs a rule with from_severity: 1, so every crisis has one"))
    for position, role in enumerate(playbook.approval.roles):
        if role not in roles:
            problems.append((("approval", "roles", position), f"role {role!r} is not defined in roles"))
    for name, texts in playbook.placeholders.items():
        for lang in texts:
            if lang not in LANGUAGES:
                problems.append(
                    (("placeholders", name, lang), f"language {lang!r} is not one of {LANGUAGES}")
                )
    for name, texts in playbook.templates.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            problems.append((("templates", name), f"needs a text in {', '.join(missing)}"))
        for lang, text in texts.items():
            if lang not in LANGUAGES:
                problems.append((("templates", name, lang), f"language {lang!r} is not one of {LANGUAGES}"))
                continue
            try:
                used = placeholders_in(text)
            except ValueError as error:
                problems.append((("templates", name, lang), f"broken placeholder: {error}"))
                continue
            for placeholder in used:
                if placeholder not in KNOWN_PLACEHOLDERS:
                    known = ", ".join(sorted(KNOWN_PLACEHOLDERS))
                    problems.append(
                        (("templates", name, lang), f"unknown placeholder {{{placeholder}}}; known: {known}")
                    )
    for name in playbook.placeholders:
        if name not in KNOWN_PLACEHOLDERS - AUTOMATIC_PLACEHOLDERS:
            problems.append((("placeholders", name), f"{name!r} is not a placeholder a drafter fills"))
    if "account_compromise" in playbook.applies_to and not playbook.security_steps:
        problems.append((("security_steps",), "a playbook for a compromised account needs security steps"))
    if not playbook.applies_to and playbook.name != "generic":
        problems.append((("applies_to",), "list the causes this playbook is for (only 'generic' has none)"))
    return problems
