"""Every bundled scenario, accelerated, end to end through the REST API: the injected posts go
through the real ingestion, analysis and detection (the crisis is detected, not pre-opened), a
scripted team works the crisis room, and a scorecard comes out. A team that follows the playbook
scores better than one that does nothing, for the reasons the report gives; branches fire on the
team's actions and on its inactions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from stormwatch.drill import loader, report, service
from stormwatch.drill.models import DrillRun
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import review
from stormwatch.response import service as response
from stormwatch.response.models import Publication
from stormwatch.workspace.models import Brand, Workspace

from .conftest import World, start_paused

STATEMENTS = {
    "en": "We're truly sorry. We know many of you are waiting for answers; we are on it now and will "
    "post an update within the hour. Help: northwind.example/help",
    "pl": "Bardzo przepraszamy. Rozumiemy Państwa zdenerwowanie. Sprawdzamy, co się stało, i wrócimy "
    "z informacją w ciągu godziny.",
}
BLAMING = "As stated in our terms, you should have checked the app before going to the airport."


def _play(world: World, scenario: str, *, team: str) -> dict[str, Any]:
    """Run ``scenario`` to its end; ``team`` is "playbook", "nothing" or "blame". A team that works
    watches the crisis room every 2 minutes until the crisis opens (an account takeover's playbook
    wants it acknowledged within 5), then the clock moves in 10-minute steps."""
    facilitator = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
    run_id = start_paused(world, scenario, facilitator)
    with world.store.session() as session:
        drill_workspace = session.get_one(DrillRun, run_id).workspace_id
    anna = world.participant("anna@team.example", drill_workspace)
    ben = world.participant("ben@team.example", drill_workspace)
    lang = loader.find(scenario).scenario.languages[0]
    responded = False
    state = world.client.get(f"/api/drills/{run_id}", headers=facilitator).json()
    while state["status"] != "stopped":
        watching = team != "nothing" and not responded
        state = world.step(run_id, facilitator, minutes=2 if watching else 10)
        if team != "nothing" and state["crises"] and not responded:
            _respond(world, run_id, state["crises"][0]["key"], anna, ben, lang, blaming=team == "blame")
            responded = True
    return state


def _respond(
    world: World, run_id: int, key: str, anna: TestClient, ben: TestClient, lang: str, *, blaming: bool
) -> None:
    assert anna.post(f"/api/crises/{key}/acknowledge").status_code == 200
    for role, person in (("approver", "Ben"),):
        response = anna.post(f"/api/crises/{key}/assignments", json={"role": role, "person": person})
        assert response.status_code == 200, response.text
    room = anna.get(f"/api/crises/{key}").json()
    for step in room["steps"]:
        if not step.get("done_by"):
            anna.post(f"/api/crises/{key}/steps/{step['id']}/done")
    text = BLAMING if blaming else STATEMENTS[lang]
    draft = anna.post(
        f"/api/crises/{key}/drafts", json={"template": "holding_statement", "lang": lang, "text": text}
    )
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    approved = ben.post(f"/api/drafts/{draft_id}/approve")
    assert approved.status_code == 200, approved.text
    published = anna.post(f"/api/drills/{run_id}/drafts/{draft_id}/publish")
    assert published.status_code == 200, published.text


def _measures(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in state["scorecard"]["measures"]}


COMPARED = ["customer_service_cancellations", "negative_review_pl"]  # one English, one Polish


@pytest.mark.parametrize("scenario", sorted(set(loader.load_all()[0]) - set(COMPARED)))
def test_every_other_bundled_scenario_is_detected_answered_and_scored(world: World, scenario: str) -> None:
    state = _play(world, scenario, team="playbook")
    assert state["crises"], "the injected posts were detected as a crisis"
    measures = _measures(state)
    assert measures["detection"]["score"] > 0, measures["detection"]["reason"]
    assert measures["text_checks"]["score"] == 1, state["scorecard"]["texts"]
    assert measures["acknowledge"]["score"] == 1 and state["scorecard"]["score"] > 60
    silence = next(b.id for b in loader.find(scenario).scenario.branches if b.when.startswith("no_"))
    assert silence not in {b["id"] for b in state["branches"]}


@pytest.mark.parametrize("scenario", COMPARED)
def test_a_playbook_team_outscores_a_team_that_does_nothing(
    world: World, scenario: str, tmp_path: Path
) -> None:
    idle = _play(world, scenario, team="nothing")
    good = _play(world, scenario, team="playbook")
    for state in (idle, good):
        assert state["crises"], "the injected posts were detected as a crisis"
        assert state["scorecard"] is not None and state["posts_injected"] > 50
    assert good["scorecard"]["score"] > idle["scorecard"]["score"] + 20
    idle_m, good_m = _measures(idle), _measures(good)
    # The report says why: the idle team never acknowledged nor said anything in public.
    for name in ("acknowledge", "holding_statement", "text_checks"):
        assert idle_m[name]["score"] == 0 and good_m[name]["score"] > 0.4, (name, good_m[name]["reason"])
    assert "not during the drill" in idle_m["acknowledge"]["reason"]
    assert good_m["text_checks"]["score"] == 1, good["scorecard"]["texts"]
    # Inaction: the silence branch fired for the idle team only; action: the calming one for the good team.
    idle_branches = {b["id"] for b in idle["branches"]}
    good_branches = {b["id"] for b in good["branches"]}
    silence = next(b.id for b in loader.find(scenario).scenario.branches if b.when.startswith("no_"))
    assert silence in idle_branches and silence not in good_branches
    calming = [b.id for b in loader.find(scenario).scenario.branches if b.when == "public_reply_ok"]
    assert set(calming) <= good_branches
    assert good["posts_injected"] < idle["posts_injected"]  # the answered storm stayed smaller
    html = report.render_report(idle, "pl")
    assert "Raport z ćwiczenia" in html and "nie w czasie ćwiczenia" in html
    if scenario == COMPARED[0]:
        _lessons_become_a_proposed_playbook_version(world, idle, tmp_path)


def _lessons_become_a_proposed_playbook_version(world: World, idle: dict[str, Any], tmp_path: Path) -> None:
    """The idle team's lessons go through the real review: a proposed version someone else applies."""
    (tmp_path / "playbooks").mkdir()
    library = PlaybookLibrary.load(tmp_path / "playbooks")
    key = idle["scorecard"]["crisis"]
    assert any(c.startswith("add_checklist:acknowledge=") for c in idle["scorecard"]["playbook_changes"])
    reviewed = service.propose_changes(world.store, idle["id"], "Maria", library)
    assert (
        reviewed["playbook_change"]["status"] == "proposed"
        and Path(reviewed["playbook_change"]["path"]).exists()
    )
    with response.acting_in(idle["workspace_id"]):
        applied = review.decide_playbook_change(world.store, key, "Ben", approve=True, library=library)
    text = Path(applied).read_text(encoding="utf-8")
    assert "acknowledges it within" in text and "version: 2" in text


def test_a_reply_that_blames_customers_starts_a_fresh_wave(world: World) -> None:
    state = _play(world, "customer_service_cancellations", team="blame")
    assert "blame_backlash" in {b["id"] for b in state["branches"]}
    with world.store.session() as session:
        run = session.get_one(DrillRun, state["id"])
        backlash = session.scalars(
            select(Mention.external_id).where(Mention.external_id.like(f"drill-{run.id}-blame_wave-%"))
        ).all()
        assert len(backlash) == 40
        (publication,) = session.scalars(select(Publication)).all()
        assert publication.target == "drill-sandbox://"
    checks = {c["name"]: c for c in state["scorecard"]["texts"][0]["checks"]}
    assert not checks["no_blame"]["passed"] and not checks["apology"]["passed"]


def test_the_drill_workspace_is_flagged_and_the_real_one_stays_untouched(world: World) -> None:
    _play(world, "negative_review_pl", team="nothing")
    with world.store.session() as session:
        real = session.get_one(Workspace, world.workspace_id)
        drills = session.scalars(select(Workspace).where(Workspace.drill.is_(True))).all()
        assert not real.drill and len(drills) == 1
        real_mentions = session.scalars(
            select(Mention.id).join(Brand, Brand.id == Mention.brand_id).where(Brand.workspace_id == real.id)
        ).all()
        assert real_mentions == []
