"""Each bundled scenario opens with its own cause: the crisis the real pipeline detects from the injected
posts has the scenario's cause (a mixed scenario: one of the causes it mixes), so the team trains on the
playbook the scenario was written for. The crisis is detected, never pre-opened, so this checks the
posts read like their cause and the analysis reads them so."""

from __future__ import annotations

import pytest

from stormwatch.drill import loader

from .conftest import World, start_paused

# The causes a mixed scenario mixes (what its summary says), by scenario name.
MIXED_CAUSES = {"mixed_leak_pl_en": {"controversial_action", "customer_service"}}


def _detected_cause(world: World, scenario: str) -> str | None:
    """Step the paused drill ahead until the pipeline opens a crisis; its cause then."""
    facilitator = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
    run_id = start_paused(world, scenario, facilitator)
    state = world.client.get(f"/api/drills/{run_id}", headers=facilitator).json()
    while not state["crises"] and state["status"] != "stopped":
        state = world.step(run_id, facilitator, minutes=10)
    assert state["crises"], f"{scenario}: no crisis detected"
    cause: str | None = state["crises"][0]["cause"]
    return cause


@pytest.mark.parametrize("scenario", sorted(loader.load_all()[0]))
def test_the_detected_crisis_has_the_scenarios_cause(world: World, scenario: str) -> None:
    intended = loader.find(scenario).scenario.cause
    expected = MIXED_CAUSES[scenario] if intended == "mixed" else {intended}
    assert _detected_cause(world, scenario) in expected
