"""Changing a playbook after a review: a proposed new version, written next to the file in force,
and applied only when someone approves it.

Changes are made on the YAML document itself (comments and layout kept), the version goes up by
one and the changelog says why. The proposal is validated exactly like any playbook file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from stormwatch.i18n.refusal import Refusal
from stormwatch.playbook.loader import PROPOSED_SUFFIX, PlaybookLibrary, parse_playbook, round_trip_yaml

ChangeKind = Literal["set_due", "add_checklist", "set_ack_within", "add_step"]
CHANGE_KINDS: tuple[str, ...] = ("set_due", "add_checklist", "set_ack_within", "add_step")


class RevisionError(Refusal, ValueError):
    """A change that cannot be made to the playbook; the message says which and why."""


@dataclass(frozen=True, slots=True)
class PlaybookChange:
    """One edit: ``set_due`` STEP=MINUTES, ``add_checklist`` STEP=TEXT, ``set_ack_within`` SEVERITY=MINUTES,
    ``add_step`` ID=TITLE with ``role`` and ``minutes``."""

    kind: ChangeKind
    target: str
    value: str
    role: str | None = None
    minutes: int | None = None

    @classmethod
    def parse(cls, spec: str) -> PlaybookChange:
        """From the command line: ``set_due:holding_statement=45``, ``add_checklist:assess=Call the airport``,
        ``set_ack_within:2=20``, ``add_step:call_partner=Call the partner@owner+30``."""
        kind, _, rest = spec.partition(":")
        target, equals, value = rest.partition("=")
        if kind not in CHANGE_KINDS or not target or not equals or not value:
            raise RevisionError(
                "change '%(spec)s' should look like KIND:TARGET=VALUE, KIND one of %(kinds)s",
                spec=spec,
                kinds=CHANGE_KINDS,
            )
        if kind == "add_step":
            title, at, rest = value.rpartition("@")
            role, plus, minutes = rest.partition("+")
            if not at or not plus or not minutes.isdigit():
                raise RevisionError("add_step wants ID=TITLE@ROLE+MINUTES, got '%(spec)s'", spec=spec)
            return cls("add_step", target, title, role=role, minutes=int(minutes))
        return cls(kind, target, value)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.kind == "add_step":
            return f"add step {self.target} ({self.value}, {self.role}, within {self.minutes} min)"
        words = {
            "set_due": "deadline of",
            "add_checklist": "checklist item for",
            "set_ack_within": "acknowledge time at severity",
        }
        return f"{words[self.kind]} {self.target}: {self.value}"


def revise_text(text: str, changes: list[PlaybookChange], note: str, today: date, origin: str) -> str:
    """The playbook file ``text`` with ``changes`` made, one version up; validated before it is returned."""
    yaml = round_trip_yaml()
    document = yaml.load(io.StringIO(text))
    for change in changes:
        _apply(document, change)
    version = int(document["version"]) + 1
    document["version"] = version
    entry = CommentedMap([("version", version), ("date", today.isoformat()), ("note", note)])
    if "changelog" not in document or document["changelog"] is None:
        document["changelog"] = CommentedSeq()
    document["changelog"].append(entry)
    out = io.StringIO()
    yaml.dump(document, out)
    revised = out.getvalue()
    parse_playbook(revised, origin)  # a proposal that would not load is no proposal
    return revised


def _apply(document: Any, change: PlaybookChange) -> None:
    if change.kind == "set_ack_within":
        rules = [r for r in document["escalation"] if str(r["from_severity"]) == change.target]
        if not rules:
            raise RevisionError("no escalation rule with from_severity %(severity)s", severity=change.target)
        rules[0]["ack_within_minutes"] = _minutes(change.value)
        return
    if change.kind == "add_step":
        step = CommentedMap(
            [
                ("id", change.target),
                ("title", change.value),
                ("role", change.role),
                ("due_minutes", change.minutes),
            ]
        )
        steps = document["steps"]
        position = next(
            (i for i, s in enumerate(steps) if int(s["due_minutes"]) > (change.minutes or 0)), len(steps)
        )
        steps.insert(position, step)
        return
    step = _find_step(document, change.target)
    if change.kind == "set_due":
        step["due_minutes"] = _minutes(change.value)
    else:
        if "checklist" not in step:
            step["checklist"] = CommentedSeq()
        step["checklist"].append(change.value)


def _find_step(document: Any, step_id: str) -> Any:
    for section in ("steps", "security_steps"):
        for step in document.get(section) or []:
            if step["id"] == step_id:
                return step
    raise RevisionError("the playbook has no step '%(step)s'", step=step_id)


def _minutes(value: str) -> int:
    if not value.isdigit():
        raise RevisionError("'%(value)s' is not a number of minutes", value=value)
    return int(value)


def proposal_path(library: PlaybookLibrary, name: str) -> Path:
    if library.workspace_dir is None:
        raise RevisionError("set playbooks_dir in the workspace file: changed playbooks are written there")
    return library.workspace_dir / f"{name}{PROPOSED_SUFFIX}"


def propose_change(
    library: PlaybookLibrary, name: str, changes: list[PlaybookChange], note: str, today: date
) -> Path:
    """Write the proposed next version of playbook ``name`` to the workspace's playbooks folder."""
    current = library.get(name)
    target = proposal_path(library, name)
    revised = revise_text(current.text, changes, note, today, str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, revised)
    return target


def apply_proposal(library: PlaybookLibrary, name: str) -> Path:
    """Put the proposed version in force: it replaces the workspace's file (or overrides the default)."""
    proposal = proposal_path(library, name)
    if not proposal.exists():
        raise RevisionError("no proposed change for playbook '%(name)s' (%(file)s)", name=name, file=proposal)
    text = proposal.read_text(encoding="utf-8")
    proposed = parse_playbook(text, str(proposal))
    current = library.get(name)
    if proposed.version != current.playbook.version + 1:
        raise RevisionError(
            "playbook %(name)s is at version %(current)s now, the proposal is version %(proposed)s: "
            "it was changed meanwhile, so propose the change again",
            name=name,
            current=current.playbook.version,
            proposed=proposed.version,
        )
    workspace_dir = proposal.parent
    in_workspace = current.path.parent.resolve() == workspace_dir.resolve()
    target = current.path if in_workspace else workspace_dir / f"{name}.yaml"
    _write_atomically(target, text)
    proposal.unlink()
    return target


def reject_proposal(library: PlaybookLibrary, name: str) -> None:
    proposal_path(library, name).unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    # A crash mid-write must not leave a half playbook that the next start refuses.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
