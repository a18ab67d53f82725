"""The language check compares a public text with the language of the wave running when it was
published, not with any of the scenario's: in the mixed PL/EN scenario the Polish leak wave comes
first and the English one from minute 25, so a Polish answer at minute 40 missed its audience."""

from __future__ import annotations

from datetime import timedelta

from stormwatch.drill import checks, engine, loader
from stormwatch.drill.models import DrillRun

from .conftest import World, start_paused
from .test_drill_end_to_end import STATEMENTS

MIXED = loader.find("mixed_leak_pl_en").scenario


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_the_wave_running_at_a_moment_gives_its_language() -> None:
    assert engine.wave_language(MIXED, [], [], _minutes(0)) is None  # before the first post
    assert engine.wave_language(MIXED, [], [], _minutes(10)) == "pl"
    assert engine.wave_language(MIXED, [], [], _minutes(27)) == "en"  # both run: the later one
    assert engine.wave_language(MIXED, [], [], _minutes(40)) == "en"
    # Silence fired the Polish article at minute 35: while the English wave runs it stays the wave
    # to answer; once every wave ended, the last inject that started is.
    fired = [engine.Fired("cisza", _minutes(30))]
    assert engine.wave_language(MIXED, fired, [], _minutes(40)) == "en"
    assert engine.wave_language(MIXED, [], [], _minutes(80)) == "en"
    assert engine.wave_language(MIXED, fired, [], _minutes(80)) == "pl"


def test_a_text_is_checked_against_its_waves_language_only() -> None:
    polish = STATEMENTS["pl"]
    assert {r.name: r for r in checks.check_text(polish, "pl", MIXED)}["language"].passed
    assert {r.name: r for r in checks.check_text(polish, "pl", MIXED, "pl")}["language"].passed
    wrong = {r.name: r for r in checks.check_text(polish, "pl", MIXED, "en")}["language"]
    assert not wrong.passed and wrong.explanation == "written in pl, but the wave speaks en"
    assert {r.name: r for r in checks.check_text(STATEMENTS["en"], "en", MIXED, "en")}["language"].passed


def test_a_polish_answer_to_the_english_wave_fails_in_the_scorecard(world: World) -> None:
    facilitator = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
    run_id = start_paused(world, "mixed_leak_pl_en", facilitator)
    with world.store.session() as session:
        drill_workspace = session.get_one(DrillRun, run_id).workspace_id
    anna = world.participant("anna@team.example", drill_workspace)
    ben = world.participant("ben@team.example", drill_workspace)
    state = world.step(run_id, facilitator, minutes=40)  # the English guests' wave is running
    key = state["crises"][0]["key"]
    published = []
    for lang in ("pl", "en"):
        draft = anna.post(
            f"/api/crises/{key}/drafts",
            json={"template": "holding_statement", "lang": lang, "text": STATEMENTS[lang]},
        )
        assert draft.status_code == 201, draft.text
        assert ben.post(f"/api/drafts/{draft.json()['id']}/approve").status_code == 200
        answer = anna.post(f"/api/drills/{run_id}/drafts/{draft.json()['id']}/publish")
        assert answer.status_code == 200, answer.text
        published.append(lang)
    stopped = world.client.post(f"/api/drills/{run_id}/stop", headers=facilitator)
    assert stopped.status_code == 200, stopped.text
    card = world.client.get(f"/api/drills/{run_id}", headers=facilitator).json()["scorecard"]
    language = {t["lang"]: next(c for c in t["checks"] if c["name"] == "language") for t in card["texts"]}
    assert published == ["pl", "en"]
    assert not language["pl"]["passed"] and "the wave speaks en" in language["pl"]["explanation"]
    assert language["en"]["passed"]
