"""Reading playbook files: YAML with line numbers, validated, with errors a person can act on.

The bundled defaults live in ``stormwatch/playbook/defaults``; a workspace's ``playbooks_dir``
holds files that replace a default of the same ``name`` or add new ones. A broken workspace file
is reported (file, line, reason) and skipped, so the bundled playbook keeps the team covered.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from stormwatch.playbook.models import Playbook, cross_reference_problems

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

DEFAULTS_DIR = Path(__file__).parent / "defaults"
PROPOSED_SUFFIX = ".proposed.yaml"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class FileProblems(ValueError):
    """A YAML file that cannot be used; every problem names the file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class PlaybookError(FileProblems):
    """A playbook file that cannot be used."""


@dataclass(frozen=True, slots=True)
class LoadedPlaybook:
    playbook: Playbook
    path: Path
    text: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


def round_trip_yaml() -> YAML:
    """The YAML reader/writer that keeps comments and positions (for line numbers and faithful edits)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def parse_yaml_model(
    text: str, origin: str, model: type[M], error: type[FileProblems], shape: str
) -> tuple[M, CommentedMap]:
    """Validate YAML ``text`` as ``model`` (and return the document, for its line numbers); raises
    ``error`` naming ``origin`` and the lines. ``shape`` says what the top mapping should hold."""
    try:
        document = round_trip_yaml().load(io.StringIO(text))
    except MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise error([Problem(origin, line, f"not valid YAML: {problem.problem or problem}")]) from problem
    if not isinstance(document, CommentedMap):
        raise error([Problem(origin, 1, f"a {shape}")])
    try:
        return model.model_validate(_plain(document)), document
    except ValidationError as invalid:
        raise error(
            [
                Problem(origin, line_of(document, issue["loc"]), _reason(issue["loc"], issue["msg"]))
                for issue in invalid.errors()
            ]
        ) from invalid


def parse_playbook(text: str, origin: str) -> Playbook:
    """Validate playbook ``text``; raises :class:`PlaybookError` naming ``origin`` and the lines."""
    shape = "playbook is a YAML mapping (name: ..., steps: ...)"
    playbook, document = parse_yaml_model(text, origin, Playbook, PlaybookError, shape)
    cross = cross_reference_problems(playbook)
    if cross:
        raise PlaybookError(
            [Problem(origin, line_of(document, loc), _reason(loc, why)) for loc, why in cross]
        )
    return playbook


def load_playbook_file(path: Path) -> LoadedPlaybook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlaybookError([Problem(str(path), 0, f"cannot read: {error.strerror}")]) from error
    return LoadedPlaybook(parse_playbook(text, str(path)), path, text)


def line_of(document: Any, loc: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest node on ``loc`` that exists in the YAML document."""
    node, line = document, node_line(document)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break  # a missing key: the enclosing mapping is where it belongs
    return line


def node_line(node: Any) -> int:
    return int(node.lc.line) + 1 if hasattr(node, "lc") and node.lc.line is not None else 1


def _reason(loc: tuple[str | int, ...], message: str) -> str:
    where = ".".join(str(part) for part in loc)
    return f"{where}: {message}" if where else message


def _plain(node: Any) -> Any:
    # pydantic should see plain dicts and lists; ruamel's scalar subclasses become plain values too.
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


@dataclass
class PlaybookLibrary:
    """Every usable playbook by name: the bundled defaults, replaced or extended by the workspace's."""

    playbooks: dict[str, LoadedPlaybook] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    workspace_dir: Path | None = None

    @classmethod
    def load(cls, workspace_dir: Path | str | None = None) -> PlaybookLibrary:
        library = cls(workspace_dir=Path(workspace_dir) if workspace_dir else None)
        library._load_folder(DEFAULTS_DIR)
        if library.workspace_dir is not None:
            if library.workspace_dir.is_dir():
                library._load_folder(library.workspace_dir)
            else:
                log.warning("playbooks folder %s does not exist; using the bundled playbooks", workspace_dir)
        if "generic" not in library.playbooks:
            raise PlaybookError([Problem(str(DEFAULTS_DIR), 0, "no 'generic' playbook to fall back on")])
        return library

    def _load_folder(self, folder: Path) -> None:
        for path in sorted(folder.glob("*.y*ml")):
            if path.name.endswith(PROPOSED_SUFFIX):
                continue  # a proposed change is not in force until it is approved
            try:
                loaded = load_playbook_file(path)
            except PlaybookError as error:
                self.problems.extend(error.problems)
                for problem in error.problems:
                    log.error("playbook skipped: %s", problem)
                continue
            self.playbooks[loaded.playbook.name] = loaded

    def for_cause(self, cause: str | None) -> LoadedPlaybook:
        """The playbook written for ``cause``; the generic one when none is, or the cause is unknown."""
        if cause is not None:
            for loaded in self.playbooks.values():
                if cause in loaded.playbook.applies_to:
                    return loaded
        return self.playbooks["generic"]

    def get(self, name: str) -> LoadedPlaybook:
        try:
            return self.playbooks[name]
        except KeyError:
            known = ", ".join(sorted(self.playbooks))
            raise KeyError(f"no playbook named {name!r}; known: {known}") from None
