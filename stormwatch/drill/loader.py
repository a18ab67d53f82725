"""Reading scenario files: YAML with line numbers, validated, errors as FILE:LINE: reason.

The bundled scenarios live in ``stormwatch/drill/scenarios``; a folder of the team's own
(``--scenarios DIR``) adds to them and replaces a bundled one of the same ``name``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from stormwatch.drill.scenario import Scenario
from stormwatch.playbook.loader import Problem, _plain, _reason, line_of, round_trip_yaml

BUNDLED_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; every problem names the file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    text: str


def parse_scenario(text: str, origin: str) -> Scenario:
    try:
        document = round_trip_yaml().load(io.StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError([Problem(origin, line, f"not valid YAML: {error.problem or error}")]) from error
    if not isinstance(document, CommentedMap):
        raise ScenarioError([Problem(origin, 1, "a scenario is a YAML mapping (name: ..., injects: ...)")])
    try:
        return Scenario.model_validate(_plain(document))
    except ValidationError as error:
        raise ScenarioError(
            [
                Problem(origin, line_of(document, issue["loc"]), _reason(issue["loc"], issue["msg"]))
                for issue in error.errors()
            ]
        ) from error


def load_scenario_file(path: Path) -> LoadedScenario:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError([Problem(str(path), 0, f"cannot read: {error.strerror}")]) from error
    return LoadedScenario(parse_scenario(text, str(path)), path, text)


def scenario_files(folder: Path | None = None) -> list[Path]:
    folders = [BUNDLED_DIR, *([folder] if folder else [])]
    return [path for where in folders for path in sorted(where.glob("*.y*ml"))]


def load_all(folder: Path | None = None) -> tuple[dict[str, LoadedScenario], list[Problem]]:
    """Every usable scenario by name, and the problems of the files that are not."""
    scenarios: dict[str, LoadedScenario] = {}
    problems: list[Problem] = []
    for path in scenario_files(folder):
        try:
            loaded = load_scenario_file(path)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        scenarios[loaded.scenario.name] = loaded
    return scenarios, problems


def find(name_or_path: str, folder: Path | None = None) -> LoadedScenario:
    """A scenario by name, or the file at that path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_scenario_file(path)
    scenarios, _ = load_all(folder)
    if name_or_path not in scenarios:
        known = ", ".join(sorted(scenarios))
        raise KeyError(f"no scenario named {name_or_path!r}; known: {known}")
    return scenarios[name_or_path]
