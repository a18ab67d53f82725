"""The drill's web pages, in English and Polish: the banner on every page of the drill workspace
(and on none of the real one), the facilitator's controls and live timeline, the participant's
page with publishing to the sandbox, the report and the readiness history."""

from __future__ import annotations

from sqlalchemy import select

from stormwatch.auth.models import User
from stormwatch.auth.service import set_locale
from stormwatch.drill.models import DrillRun

from .conftest import World, start_paused


def test_facilitator_participant_report_and_readiness_pages(world: World) -> None:
    token = world.token(world.workspace_id, "facilitator", ["read", "crises:act", "crises:manage"])
    run_id = start_paused(world, "negative_review_pl", token)
    for _ in range(4):
        world.step(run_id, token)
    with world.store.session() as session:
        drill_workspace = session.get_one(DrillRun, run_id).workspace_id
    real = world.participant("anna@team.example", world.workspace_id)
    page = real.get(f"/drills/{run_id}")
    assert page.status_code == 200 and 'data-testid="drill-facilitator"' in page.text
    assert 'data-testid="drill-banner"' not in page.text  # the facilitator is in the real workspace
    assert 'data-testid="drill-resume"' in page.text  # paused: the resume button is offered
    assert "Lawina" in page.text or "opinii" in page.text  # the live timeline names the injects
    skipped = real.post(
        f"/drills/{run_id}/skip",
        data={"minutes": "5", "csrf_token": real.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert skipped.status_code == 303
    rated = real.post(
        f"/drills/{run_id}/ratings",
        data={
            "participant": "Ben",
            "score": "4",
            "note": "calm under pressure",
            "csrf_token": real.headers["X-CSRF-Token"],
        },
        follow_redirects=False,
    )
    assert rated.status_code == 303
    assert "calm under pressure" in real.get(f"/drills/{run_id}").text

    ben = world.participant("ben@team.example", drill_workspace)
    for path in ("/", "/drill"):
        shown = ben.get(path)
        assert shown.status_code == 200 and 'data-testid="drill-banner"' in shown.text, path
    state = ben.get(f"/api/drills/{run_id}").json()
    key = state["crises"][0]["key"]
    room = ben.get(f"/crises/{key}")
    assert room.status_code == 200 and 'data-testid="drill-banner"' in room.text
    assert 'data-testid="drill-banner"' not in real.get("/").text

    stopped = real.post(
        f"/drills/{run_id}/stop", data={"csrf_token": real.headers["X-CSRF-Token"]}, follow_redirects=False
    )
    assert stopped.status_code == 303
    with world.store.session() as session:
        user = session.scalar(select(User).where(User.email == "anna@team.example"))
        assert user is not None
        set_locale(session, user.id, "pl")
    report = real.get(f"/drills/{run_id}/report")
    assert (
        report.status_code == 200 and "Raport z ćwiczenia" in report.text and "Karta wyników" in report.text
    )
    readiness = real.get("/readiness")
    assert (
        readiness.status_code == 200
        and "Gotowość" in readiness.text
        and "negative_review_pl" in readiness.text
    )
    listing = real.get("/drills")
    assert listing.status_code == 200 and "Rozpocznij ćwiczenie" in listing.text
