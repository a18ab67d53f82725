"""Reading scenario files: YAML with line numbers, validated, errors as FILE:LINE: reason.

The bundled scenarios live in ``stormwatch/drill/scenarios``; a folder of the team's own
(``--scenarios DIR``) adds to them and replaces a bundled one of the same ``name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stormwatch.drill.scenario import Scenario
from stormwatch.playbook.loader import FileProblems, Problem, parse_yaml_model

BUNDLED_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(FileProblems):
    """A scenario file that cannot be used; every problem names the file and line."""


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    text: str


def parse_scenario(text: str, origin: str) -> Scenario:
    shape = "scenario is a YAML mapping (name: ..., injects: ...)"
    return parse_yaml_model(text, origin, Scenario, ScenarioError, shape)[0]


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
