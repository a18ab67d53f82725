"""``stormwatch drill ...``: scenarios, running a drill, steering it, its report and the history."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from stormwatch.drill import loader
from stormwatch.drill.loader import ScenarioError
from stormwatch.response import service as response
from stormwatch.response.cli import (
    ActorOption,
    ConfigOption,
    DatabaseOption,
    JsonOption,
    _actor,
    _friendly,
    _library,
    _open,
    _workspace_id,
)
from stormwatch.store.db import Store

drill_app = typer.Typer(
    help="Drills: the team trains on a scripted crisis in a sandbox and is scored.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)
ScenariosOption = Annotated[
    Path | None, typer.Option("--scenarios", help="A folder of your own scenario files.")
]
RunArg = Annotated[int, typer.Argument(help="The drill's number (from `drill start`).")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]", highlight=False)
    return typer.Exit(1)


def _drill_call(action: Any) -> Any:
    from stormwatch.drill.service import DrillError

    try:
        return action()
    except (DrillError, response.ResponseError, KeyError) as error:
        raise _fail(str(error.args[0] if isinstance(error, KeyError) else error)) from error


@drill_app.command("list")
def list_command(scenarios: ScenariosOption = None, as_json: JsonOption = False) -> None:
    """The scenarios there are: bundled, and your folder's."""
    found, problems = loader.load_all(scenarios)
    rows = [
        {"name": s.scenario.name, "cause": s.scenario.cause, "languages": s.scenario.languages,
         "minutes": s.scenario.duration.total_seconds() / 60, "title": s.scenario.title, "file": str(s.path)}
        for s in found.values()
    ]  # fmt: skip
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
    else:
        table = Table("name", "cause", "languages", "minutes", "title")
        for row in rows:
            table.add_row(
                row["name"], row["cause"], ",".join(row["languages"]), f"{row['minutes']:g}", row["title"]
            )
        out.print(table)
    for problem in problems:
        err.print(f"[yellow]skipped {problem}[/yellow]", highlight=False)


@drill_app.command("validate")
def validate_command(
    files: Annotated[list[Path] | None, typer.Argument(help="Scenario files (default: all).")] = None,
) -> None:
    """Check scenario files; problems as FILE:LINE: reason, exit 1 if any."""
    paths = files or loader.scenario_files()
    failed = False
    for path in paths:
        try:
            loaded = loader.load_scenario_file(path)
        except ScenarioError as error:
            failed = True
            for problem in error.problems:
                err.print(str(problem), highlight=False)
            continue
        out.print(
            f"{path}: ok ({loaded.scenario.name}, {len(loaded.scenario.injects)} injects, {len(loaded.scenario.branches)} branches)",
            highlight=False,
        )
    if failed:
        raise typer.Exit(1)


@drill_app.command("show")
def show_command(name: str, scenarios: ScenariosOption = None) -> None:
    """A scenario's storyline: injects on the clock and the branches."""
    loaded = _drill_call(lambda: loader.find(name, scenarios))
    s = loaded.scenario
    out.print(
        f"[bold]{s.title}[/bold] ({s.name} v{s.version}; {s.cause}; {', '.join(s.languages)}; {s.brand})"
    )
    out.print(s.summary, highlight=False)
    for inject in s.injects:
        when = "by hand" if inject.at is None else f"{inject.at.total_seconds() / 60:g} min"
        out.print(f"  {when:>8}  {inject.title} ({inject.size} posts, {inject.lang})", highlight=False)
    for branch in s.branches:
        within = f" within {branch.within.total_seconds() / 60:g} min" if branch.within else ""
        out.print(f"  branch {branch.id}: when {branch.when}{within} → {branch.note}", highlight=False)


def _runtime_parts(database: str | None, config: Path | None) -> tuple[Store, int, Any, Any]:
    from stormwatch.analysis.text_analyzer import TextAnalyzer
    from stormwatch.live import LivePipeline

    store, workspace = _open(database, config)
    workspace_id = _drill_call(lambda: _workspace_id(store, workspace, config))
    judge = TextAnalyzer.load()
    pipelines: dict[int, LivePipeline] = {}

    def live_for(wid: int) -> LivePipeline:
        if wid not in pipelines:
            pipelines[wid] = LivePipeline(store, judge, wid)
            pipelines[wid].warm_up()
        return pipelines[wid]

    return store, workspace_id, live_for, _library(workspace)


def _start(
    name: str,
    scenarios: Path | None,
    speed: float,
    brand: str | None,
    channel: str | None,
    actor: str | None,
    database: str | None,
    config: Path | None,
) -> tuple[int, Store, Any, Any]:
    from stormwatch.drill import service

    loaded = _drill_call(lambda: loader.find(name, scenarios))
    store, workspace_id, live_for, library = _runtime_parts(database, config)
    run_id = _drill_call(
        lambda: service.start(
            store,
            workspace_id,
            loaded,
            live_for,
            actor=_actor(actor),
            speed=speed,
            brand=brand,
            drill_channel=channel,
        )
    )
    out.print(f"drill {run_id} started: {loaded.scenario.title} at ×{speed:g}", highlight=False)
    return run_id, store, live_for, library


SpeedOption = Annotated[float, typer.Option(help="1 = real time (a live exercise); 10 = ten times faster.")]
BrandOption = Annotated[
    str | None, typer.Option(help="The brand the posts are about (default: the scenario's).")
]
ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--drill-channel",
        help="An apprise URL every drill alert and page goes to instead of the real channels.",
    ),
]


@drill_app.command("start")
@_friendly  # resets the acting workspace _open sets
def start_command(
    name: str, speed: SpeedOption = 1.0, brand: BrandOption = None, drill_channel: ChannelOption = None,
    scenarios: ScenariosOption = None, actor: ActorOption = None, database: DatabaseOption = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """Make the drill workspace and start the clock; `stormwatch serve` (or `run`) drives it."""
    _start(name, scenarios, speed, brand, drill_channel, actor, database, config)


@drill_app.command("run")
@_friendly  # resets the acting workspace _open sets
def run_command(
    name: str, speed: SpeedOption = 10.0, brand: BrandOption = None, drill_channel: ChannelOption = None,
    scenarios: ScenariosOption = None, actor: ActorOption = None, database: DatabaseOption = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """Start a drill and drive it here until it ends (the team works in the web app meanwhile)."""
    from stormwatch.drill import service

    run_id, store, live_for, library = _start(
        name, scenarios, speed, brand, drill_channel, actor, database, config
    )
    with store.session() as session:
        workspace_id = service.get_run(session, run_id).workspace_id
    seen: set[str] = set()
    while True:
        service.advance(store, run_id, live_for(workspace_id), library)
        state = service.status(store, run_id)
        for line in _news(state, seen):
            out.print(line, highlight=False)
        if state["status"] == "stopped":
            out.print(
                f"drill {run_id} over: score {state['scorecard']['score']:g}/100 (`stormwatch drill report {run_id}`)"
            )
            return
        time.sleep(1)


def _news(state: dict[str, Any], seen: set[str]) -> list[str]:
    lines = []
    for inject in state["injects"]:
        if f"i:{inject['id']}" not in seen:
            seen.add(f"i:{inject['id']}")
            lines.append(f"{inject['minute']:>6g} min  inject: {inject['title']}")
    for crisis in state["crises"]:
        if f"c:{crisis['key']}" not in seen:
            seen.add(f"c:{crisis['key']}")
            lines.append(
                f"{crisis['minute']:>6g} min  crisis detected: {crisis['key']} (severity {crisis['severity']})"
            )
    for branch in state["branches"]:
        if f"b:{branch['id']}" not in seen:
            seen.add(f"b:{branch['id']}")
            lines.append(f"{branch['minute']:>6g} min  branch {branch['id']}: {branch['note']}")
    return lines


@drill_app.command("status")
def status_command(run: RunArg, as_json: JsonOption = False, database: DatabaseOption = None) -> None:
    """Where a drill stands: clock, injects, crises, the team's actions."""
    from stormwatch.drill import service

    state = _drill_call(lambda: service.status(Store.open(database), run))
    if as_json:
        out.print_json(json.dumps(state, ensure_ascii=False, default=str))
        return
    out.print(
        f"drill {state['id']} · {state['title']} · {state['status']} · minute {state['minute']:g} of {state['duration_minutes']:g} · ×{state['speed']:g}",
        highlight=False,
    )
    for line in _news(state, set()):
        out.print(line, highlight=False)
    for action in state["actions"]:
        out.print(f"{action['minute']:>6g} min  {action['actor']}: {action['message']}", highlight=False)


def _steer(run: int, database: str | None, what: str, action: Any) -> None:
    store = Store.open(database)
    _drill_call(lambda: action(store))
    out.print(f"drill {run} {what}")


@drill_app.command("pause")
def pause_command(run: RunArg, database: DatabaseOption = None) -> None:
    """Stop the drill's clock (the team's actions still count)."""
    from stormwatch.drill import service

    _steer(run, database, "paused", lambda store: service.pause(store, run))


@drill_app.command("resume")
def resume_command(run: RunArg, database: DatabaseOption = None) -> None:
    """Start the drill's clock again."""
    from stormwatch.drill import service

    _steer(run, database, "resumed", lambda store: service.resume(store, run))


@drill_app.command("skip")
def skip_command(
    run: RunArg,
    minutes: Annotated[float, typer.Argument(help="How far ahead.")],
    database: DatabaseOption = None,
) -> None:
    """Move the drill's clock ahead; skipped posts arrive with the times they were written for."""
    from stormwatch.drill import service

    _steer(
        run,
        database,
        f"skipped {minutes:g} min ahead",
        lambda store: service.skip(store, run, timedelta(minutes=minutes)),
    )


@drill_app.command("inject")
def inject_command(
    run: RunArg,
    inject: Annotated[str, typer.Argument(help="The inject's id (`drill show`).")],
    database: DatabaseOption = None,
) -> None:
    """Fire an inject by hand, now."""
    from stormwatch.drill import service

    _steer(run, database, f"fired {inject}", lambda store: service.fire(store, run, inject))


@drill_app.command("stop")
def stop_command(run: RunArg, database: DatabaseOption = None) -> None:
    """End the drill and score it."""
    from stormwatch.drill import service

    store = Store.open(database)
    _drill_call(lambda: service.stop(store, run))
    state = service.status(store, run)
    out.print(f"drill {run} stopped: score {state['scorecard']['score']:g}/100")


@drill_app.command("report")
@_friendly  # resets the acting workspace _open sets
def report_command(
    run: RunArg,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the HTML here (default: print the scorecard)."),
    ] = None,
    language: Annotated[str, typer.Option("--language", help="en or pl")] = "en",
    propose: Annotated[
        bool, typer.Option("--propose", help="Propose its playbook changes through the crisis review.")
    ] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """The drill report: timeline of injects and actions, scorecard, what went well, what to change."""
    from stormwatch.drill import report, service

    store = Store.open(database)
    state = _drill_call(lambda: service.status(store, run))
    if state["scorecard"] is None:
        raise _fail(f"drill {run} is still {state['status']}: stop it first (`stormwatch drill stop {run}`)")
    if output is not None:
        output.write_text(report.render_report(state, language), encoding="utf-8")
        out.print(f"report written to {output}")
    card = state["scorecard"]
    out.print(f"drill {run} · {state['title']} · score {card['score']:g}/100", highlight=False)
    for measure in card["measures"]:
        out.print(
            f"  {measure['name']:<18} {measure['score']:.2f} ×{measure['weight']:g}  {measure['reason']}",
            highlight=False,
        )
    for change in card["playbook_changes"]:
        out.print(f"  suggested playbook change: {change}", highlight=False)
    if propose:
        with store.session() as session:
            source = service.get_run(session, run).source_workspace_id
        library = _library_of(store, source, config)
        result = _drill_call(lambda: service.propose_changes(store, run, _actor(actor), library))
        out.print(f"proposed as a new playbook version: {result['playbook_change']['path']} (someone else approves it: "
                  f"stormwatch crisis change {card['crisis']} --approve)", highlight=False)  # fmt: skip


def _library_of(store: Store, workspace_id: int, config: Path | None) -> Any:
    """The playbooks the drill's crisis used: the workspace file's folder, else the bundled ones."""
    from stormwatch.playbook.loader import PlaybookLibrary
    from stormwatch.workspace.config import load_config

    return _library(load_config(config)) if config is not None else PlaybookLibrary.load()


@drill_app.command("history")
@_friendly  # resets the acting workspace _open sets
def history_command(
    brand: Annotated[str | None, typer.Option(help="Only this brand's drills.")] = None,
    as_json: JsonOption = False, database: DatabaseOption = None, config: ConfigOption = None,
) -> None:  # fmt: skip
    """Readiness over time: every finished drill's score, and the last drill per cause."""
    from stormwatch.drill import history

    store, workspace = _open(database, config)
    workspace_id = _drill_call(lambda: _workspace_id(store, workspace, config))
    with store.session() as session:
        results = history.drill_results(session, workspace_id, brand=brand)
        last = history.last_per_cause(session, workspace_id, brand=brand)
    if as_json:
        out.print_json(
            json.dumps({"results": results, "last_per_cause": last}, ensure_ascii=False, default=str)
        )
        return
    table = Table("drill", "date", "brand", "scenario", "cause", "score")
    for row in results:
        table.add_row(
            str(row["id"]),
            row["started_at"][:10],
            row["brand"],
            row["scenario"],
            row["cause"],
            f"{row['score']:g}",
        )
    out.print(table)
    for cause, row in last.items():
        out.print(
            f"last {cause}: drill {row['id']} on {row['started_at'][:10]}, {row['score']:g}/100",
            highlight=False,
        )
