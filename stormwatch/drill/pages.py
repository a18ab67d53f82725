"""The drill's web pages: the facilitator's view (start, pause, resume, skip, fire an inject, the
live timeline of injects beside the team's actions, observer ratings), the participant's "drill"
page (what to do, publishing to the sandbox), the report, and the readiness history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stormwatch.auth.service import Principal, memberships
from stormwatch.drill import history, loader, report
from stormwatch.drill import service as drills
from stormwatch.drill.api import DrillDriver, _publish
from stormwatch.drill.marking import is_drill
from stormwatch.drill.models import DrillRun
from stormwatch.i18n.zones import workspace_zone
from stormwatch.response import service as response
from stormwatch.response.service import ResponseError, acting_in
from stormwatch.store.db import Store
from stormwatch.web import queries
from stormwatch.web.actions import actor_name
from stormwatch.web.i18n import helpers
from stormwatch.web.pages import TEMPLATES
from stormwatch.web.security import require
from stormwatch.workspace.service import team

Viewer = Annotated[Principal, Depends(require("read"))]
Actor = Annotated[Principal, Depends(require("crises:act"))]
Manager = Annotated[Principal, Depends(require("crises:manage"))]


def drill_pages(store: Store, driver: DrillDriver | None) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, principal: Principal, context: dict[str, Any]) -> HTMLResponse:
        with store.session() as session:
            if principal.user_id is not None:
                workspaces = [
                    {"id": w.id, "name": w.name} for w, _ in memberships(session, principal.user_id)
                ]
            else:
                workspaces = [queries.workspace(session, principal.workspace_id)]
            zone = workspace_zone(session, principal.workspace_id)
            banner = is_drill(session, principal.workspace_id)
        base = helpers(principal.locale, zone) | {
            "principal": principal,
            "workspaces": workspaces,
            "drill_banner": banner,
        }
        return TEMPLATES.TemplateResponse(request, name, base | context)

    def own_run(principal: Principal, run_id: int, *, facilitator: bool = False) -> DrillRun:
        with store.session() as session:
            run = session.get(DrillRun, run_id)
            if run is None or not (
                run.source_workspace_id == principal.workspace_id
                or (not facilitator and run.workspace_id == principal.workspace_id)
            ):
                raise HTTPException(404, "no such drill in this workspace")
            session.expunge(run)
            return run

    def back(run_id: int) -> Response:
        return RedirectResponse(f"/drills/{run_id}", status_code=303)

    def steer(action: Any) -> None:
        try:
            action()
        except (drills.DrillError, ResponseError) as error:
            raise HTTPException(409, str(error)) from error

    @pages.get("/drills", response_class=HTMLResponse)
    def drills_page(request: Request, principal: Viewer) -> HTMLResponse:
        with store.session() as session:
            if is_drill(session, principal.workspace_id):
                run = drills.run_for_workspace(session, principal.workspace_id)
                if run is not None:
                    return RedirectResponse("/drill", status_code=303)  # type: ignore[return-value]
            ids = [run.id for run in drills.runs_of(session, principal.workspace_id)]
        found, _ = loader.load_all(driver.scenarios_dir if driver else None)
        runs = [drills.status(store, run_id) for run_id in ids]
        context = {
            "scenarios": [s.scenario for s in found.values()],
            "runs": runs,
            "can_start": driver is not None,
        }
        return render(request, "drill_list.html", principal, context)

    @pages.post("/drills/start")
    def start(
        principal: Manager,
        scenario: Annotated[str, Form(max_length=200)],
        speed: Annotated[float, Form(gt=0, le=1000)] = 1.0,
        drill_channel: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        if driver is None:
            raise HTTPException(503, "this server cannot start drills; use `stormwatch serve`")
        try:
            loaded = loader.find(scenario, driver.scenarios_dir)
        except KeyError as error:
            raise HTTPException(404, str(error.args[0])) from error
        run_id: list[int] = []
        steer(
            lambda: run_id.append(
                drills.start(store, principal.workspace_id, loaded, driver.live_for, actor=actor_name(principal),
                             speed=speed, drill_channel=drill_channel.strip() or None)
            )
        )  # fmt: skip
        return back(run_id[0])

    @pages.get("/drills/{run_id}", response_class=HTMLResponse)
    def facilitator(request: Request, principal: Viewer, run_id: int) -> HTMLResponse:
        run = own_run(principal, run_id, facilitator=True)
        state = drills.status(store, run_id)
        scenario = drills.view(run).scenario
        injects = [*scenario.injects, *(i for b in scenario.branches for i in b.then)]
        with store.session() as session:
            people = [p.name for p in team(session, run.workspace_id)]
        context = {"state": state, "rows": report.timeline(state), "injects": injects, "people": people}
        return render(request, "drill_facilitator.html", principal, context)

    @pages.get("/fragments/drills/{run_id}", response_class=HTMLResponse)
    def facilitator_live(request: Request, principal: Viewer, run_id: int) -> HTMLResponse:
        own_run(principal, run_id, facilitator=True)
        state = drills.status(store, run_id)
        return render(
            request, "_drill_live.html", principal, {"state": state, "rows": report.timeline(state)}
        )

    for verb in ("pause", "resume", "stop"):
        pages.add_api_route(
            f"/drills/{{run_id}}/{verb}", _steer_route(verb, own_run, steer, back, store), methods=["POST"]
        )

    @pages.post("/drills/{run_id}/skip")
    def skip(principal: Manager, run_id: int, minutes: Annotated[float, Form(gt=0, le=1440)]) -> Response:
        own_run(principal, run_id, facilitator=True)
        steer(lambda: drills.skip(store, run_id, timedelta(minutes=minutes)))
        return back(run_id)

    @pages.post("/drills/{run_id}/inject")
    def inject(principal: Manager, run_id: int, inject: Annotated[str, Form(max_length=60)]) -> Response:
        own_run(principal, run_id, facilitator=True)
        steer(lambda: drills.fire(store, run_id, inject))
        return back(run_id)

    @pages.post("/drills/{run_id}/ratings")
    def rate(
        principal: Manager,
        run_id: int,
        participant: Annotated[str, Form(min_length=1, max_length=200)],
        score: Annotated[int, Form(ge=1, le=5)],
        note: Annotated[str, Form(max_length=1000)] = "",
    ) -> Response:
        own_run(principal, run_id, facilitator=True)
        steer(lambda: drills.rate(store, run_id, actor_name(principal), participant, score, note))
        return back(run_id)

    @pages.get("/drills/{run_id}/report", response_class=HTMLResponse)
    def report_page(request: Request, principal: Viewer, run_id: int) -> HTMLResponse:
        own_run(principal, run_id)
        state = drills.status(store, run_id)
        if state["scorecard"] is None:
            raise HTTPException(409, "the drill is still running; stop it for its report")
        return render(request, "drill_report.html", principal, report.report_context(state, principal.locale))

    @pages.get("/drill", response_class=HTMLResponse)
    def participant(request: Request, principal: Viewer) -> HTMLResponse:
        with store.session() as session:
            run = (
                drills.run_for_workspace(session, principal.workspace_id)
                if is_drill(session, principal.workspace_id)
                else None
            )
            run_id = run.id if run else None
        if run_id is None:
            raise HTTPException(404, "this workspace is not a drill; choose the drill's workspace at the top")
        state = drills.status(store, run_id)
        rooms = []
        with acting_in(principal.workspace_id):
            for crisis in state["crises"]:
                rooms.append(response.crisis_detail(store, crisis["key"]))
        return render(request, "drill_participant.html", principal, {"state": state, "rooms": rooms})

    @pages.post("/drill/drafts/{draft_id}/publish")
    def publish(principal: Actor, draft_id: int) -> Response:
        with store.session() as session:
            run = (
                drills.run_for_workspace(session, principal.workspace_id)
                if is_drill(session, principal.workspace_id)
                else None
            )
            if run is not None:
                session.expunge(run)
        if run is None:
            raise HTTPException(404, "this workspace is not a drill")
        with acting_in(run.workspace_id):
            steer(lambda: _publish(store, run, draft_id, actor_name(principal)))
        return RedirectResponse("/drill", status_code=303)

    @pages.get("/readiness", response_class=HTMLResponse)
    def readiness(request: Request, principal: Viewer, brand: str | None = None) -> HTMLResponse:
        with store.session() as session:
            results = history.drill_results(session, principal.workspace_id, brand=brand)
            last = history.last_per_cause(session, principal.workspace_id, brand=brand)
        return render(
            request, "drill_readiness.html", principal, {"results": results, "last": last, "brand": brand}
        )

    return pages


def _steer_route(verb: str, own_run: Any, steer: Any, back: Callable[[int], Response], store: Store) -> Any:
    action = {"pause": drills.pause, "resume": drills.resume, "stop": drills.stop}[verb]

    def route(principal: Manager, run_id: int) -> Response:
        own_run(principal, run_id, facilitator=True)
        steer(lambda: action(store, run_id))
        return back(run_id)

    route.__name__ = f"drill_{verb}"
    return route
