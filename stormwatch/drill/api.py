"""REST endpoints of drills (``/api/drills…``, in the OpenAPI schema): start, steer, publish to the
sandbox, scorecards and the readiness history. A drill is reachable from its real workspace (the
facilitator) and from its sandbox workspace (the participants)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from stormwatch.alerting.service import Sender, send_with_apprise
from stormwatch.auth.service import Principal
from stormwatch.drill import history, loader
from stormwatch.drill import service as drills
from stormwatch.drill.models import DrillRun
from stormwatch.drill.sandbox import SandboxPublisher
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import drafts
from stormwatch.response.service import ResponseError, acting_in
from stormwatch.store.db import Store
from stormwatch.web.actions import actor_name
from stormwatch.web.api import RowId
from stormwatch.web.schemas import Message
from stormwatch.web.security import require

Reader = Annotated[Principal, Depends(require("read"))]
Act = Annotated[Principal, Depends(require("crises:act"))]
Manage = Annotated[Principal, Depends(require("crises:manage"))]


@dataclass
class DrillDriver:
    """What starting a drill needs besides the store: the live pipelines (the runtime's)."""

    live_for: Callable[[int], LivePipeline]
    library: PlaybookLibrary
    send: Sender = send_with_apprise
    scenarios_dir: Any = None


class StartIn(BaseModel):
    scenario: str = Field(description="A scenario's name (GET /api/drills/scenarios).")
    speed: float = Field(default=1.0, gt=0, le=1000, description="1 = real time; 10 = ten times faster.")
    brand: str | None = Field(
        default=None, description="The brand the posts are about (default: the scenario's)."
    )
    drill_channel: str | None = Field(
        default=None, description="An apprise URL all drill alerts and pages go to."
    )


class SkipIn(BaseModel):
    minutes: float = Field(gt=0, le=24 * 60)


class InjectIn(BaseModel):
    inject: str = Field(description="The inject's id (from the scenario).")


class RatingIn(BaseModel):
    participant: str = Field(min_length=1, max_length=200)
    score: int = Field(ge=1, le=5)
    note: str = Field(default="", max_length=1000)


class ScenarioOut(BaseModel):
    name: str
    title: str
    cause: str
    languages: list[str]
    minutes: float
    brand: str


def drills_router(store: Store, driver: DrillDriver | None) -> APIRouter:
    # Like the rest of /api: every route may answer 401 (no login or token) or 403 (a role short).
    api = APIRouter(
        prefix="/api/drills", tags=["drills"], responses={401: {"model": Message}, 403: {"model": Message}}
    )
    refused: dict[int | str, dict[str, Any]] = {404: {"model": Message}, 409: {"model": Message}}

    def own_run(principal: Principal, run_id: RowId, *, facilitator: bool = False) -> DrillRun:
        with store.session() as session:
            run = session.get(DrillRun, run_id)
            allowed = run is not None and (
                run.source_workspace_id == principal.workspace_id
                or (not facilitator and run.workspace_id == principal.workspace_id)
            )
            if run is None or not allowed:
                raise HTTPException(404, "no such drill in this workspace")
            session.expunge(run)
            return run

    def state(run_id: RowId) -> dict[str, Any]:
        return drills.status(store, run_id)

    def steer(principal: Principal, run_id: RowId, action: Callable[[], Any]) -> dict[str, Any]:
        """A facilitator's control: the drill must be this workspace's; a refusal answers 409."""
        own_run(principal, run_id, facilitator=True)
        refusing(action)
        return state(run_id)

    def refusing(action: Callable[[], Any]) -> Any:
        try:
            return action()
        except (drills.DrillError, ResponseError) as error:
            raise HTTPException(409, str(error)) from error

    @api.get("/scenarios", response_model=list[ScenarioOut])
    def scenarios(principal: Reader) -> list[dict[str, Any]]:
        """The scenarios a drill can run: bundled, and the server's scenarios folder."""
        found, _ = loader.load_all(driver.scenarios_dir if driver else None)
        return [
            {"name": s.scenario.name, "title": s.scenario.title, "cause": s.scenario.cause, "languages": list(s.scenario.languages),
             "minutes": s.scenario.duration.total_seconds() / 60, "brand": s.scenario.brand}
            for s in found.values()
        ]  # fmt: skip

    @api.get("")
    def list_drills(principal: Reader) -> list[dict[str, Any]]:
        """This workspace's drills, newest first (in a drill's sandbox: that drill)."""
        with store.session() as session:
            own = drills.run_for_workspace(session, principal.workspace_id)
            runs = drills.runs_of(session, principal.workspace_id) or ([own] if own else [])
            ids = [run.id for run in runs]
        return [state(run_id) for run_id in ids]

    @api.post("", status_code=201, responses=refused)
    def start(principal: Manage, body: StartIn) -> dict[str, Any]:
        """Start a drill from this (real) workspace: its sandbox is made, the warm-up analysed, the clock started."""
        if driver is None:
            # 409, not a 5xx: the server is fine, it was started without the pipelines a drill needs.
            raise HTTPException(
                409,
                "this server cannot run drills; start one with `stormwatch serve` or `stormwatch drill run`",
            )
        try:
            loaded = loader.find(body.scenario, driver.scenarios_dir)
        except KeyError as error:
            raise HTTPException(404, str(error.args[0])) from error
        run_id = refusing(
            lambda: drills.start(store, principal.workspace_id, loaded, driver.live_for, actor=actor_name(principal),
                                 speed=body.speed, brand=body.brand, drill_channel=body.drill_channel)
        )  # fmt: skip
        return state(run_id)

    @api.get("/history")
    def readiness(principal: Reader, brand: str | None = None) -> dict[str, Any]:
        """Scores over time and the last drill per crisis cause (readiness of the team)."""
        with store.session() as session:
            return {
                "results": history.drill_results(session, principal.workspace_id, brand=brand),
                "last_per_cause": history.last_per_cause(session, principal.workspace_id, brand=brand),
            }

    @api.get("/{run_id}", responses=refused)
    def show(principal: Reader, run_id: RowId) -> dict[str, Any]:
        """Where the drill stands: clock, injects, branches, crises, the team's actions, the scorecard."""
        own_run(principal, run_id)
        return state(run_id)

    @api.post("/{run_id}/pause", responses=refused)
    def pause(principal: Manage, run_id: RowId) -> dict[str, Any]:
        return steer(principal, run_id, lambda: drills.pause(store, run_id))

    @api.post("/{run_id}/resume", responses=refused)
    def resume(principal: Manage, run_id: RowId) -> dict[str, Any]:
        return steer(principal, run_id, lambda: drills.resume(store, run_id))

    @api.post("/{run_id}/skip", responses=refused)
    def skip(principal: Manage, run_id: RowId, body: SkipIn) -> dict[str, Any]:
        """Move the clock ahead; the skipped posts arrive with the times they were written for."""
        return steer(principal, run_id, lambda: drills.skip(store, run_id, timedelta(minutes=body.minutes)))

    @api.post("/{run_id}/inject", responses=refused)
    def inject(principal: Manage, run_id: RowId, body: InjectIn) -> dict[str, Any]:
        """Fire an inject by hand, now."""
        return steer(principal, run_id, lambda: drills.fire(store, run_id, body.inject))

    @api.post("/{run_id}/stop", responses=refused)
    def stop(principal: Manage, run_id: RowId) -> dict[str, Any]:
        """End the drill and score it."""
        return steer(principal, run_id, lambda: drills.stop(store, run_id))

    @api.post("/{run_id}/ratings", responses=refused)
    def rate(principal: Manage, run_id: RowId, body: RatingIn) -> dict[str, Any]:
        """An observer's rating of a participant (1–5), shown beside the rule-based scorecard."""
        return steer(
            principal,
            run_id,
            lambda: drills.rate(
                store, run_id, actor_name(principal), body.participant, body.score, body.note
            ),
        )

    @api.post("/{run_id}/drafts/{draft_id}/publish", responses=refused)
    def publish(principal: Act, run_id: RowId, draft_id: RowId) -> dict[str, Any]:
        """Publish an approved draft of the drill's crisis: to the sandbox only, never to a network."""
        run = own_run(principal, run_id)
        with acting_in(run.workspace_id):
            refusing(lambda: _publish(store, run, draft_id, actor_name(principal)))
        return state(run_id)

    return api


def _publish(store: Store, run: DrillRun, draft_id: int, actor: str) -> int:
    from stormwatch.crisis.models import Crisis
    from stormwatch.response.models import ResponseDraft

    with store.session() as session:
        draft = session.get(ResponseDraft, draft_id)
        crisis = session.get(Crisis, draft.crisis_id) if draft else None
        if crisis is None or crisis.workspace_id != run.workspace_id:
            raise drills.DrillError(f"no draft #{draft_id} in this drill")
    return drafts.publish_response(store, draft_id, SandboxPublisher(), actor)
