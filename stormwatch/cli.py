"""The ``stormwatch`` command line."""

from __future__ import annotations

import importlib
import logging
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click.core import Command, Context  # typer's own click, vendored

from stormwatch.analysis.cli import register as register_analysis
from stormwatch.detection.cli import detect
from stormwatch.ingest.cli import ingest
from stormwatch.workspace.config import EXAMPLE_CONFIG, ConfigError, load_config

# Command groups whose modules load the database layer, the web server and the connectors (seconds
# of imports): loaded when their command is run or listed, so that `stormwatch detect` or
# `analyze` start in about a second. Name -> (module, Typer app in it).
LAZY_GROUPS = {
    "user": ("stormwatch.auth.cli", "user_app"),
    "token": ("stormwatch.auth.cli", "token_app"),
    "sources": ("stormwatch.sources.cli", "app"),
    "crisis": ("stormwatch.response.cli", "crisis_app"),
    "playbook": ("stormwatch.playbook.cli", "playbook_app"),
}


class _LazyGroups(TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY_GROUPS if name not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in LAZY_GROUPS and cmd_name not in self.commands:
            module, attribute = LAZY_GROUPS[cmd_name]
            # Mounted as add_typer mounts it, so a one-command group stays a group.
            holder = typer.Typer()
            holder.add_typer(getattr(importlib.import_module(module), attribute), name=cmd_name)
            mounted = typer.main.get_command(holder)
            assert isinstance(mounted, TyperGroup)
            self.add_command(mounted.commands[cmd_name], cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=_LazyGroups,
    help="Stormwatch: early warning of social-media crises for brands, and the team's response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

app.command()(ingest)
app.command()(detect)

register_analysis(app)


@app.callback()
def _configure(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the workspace file.")] = Path("workspace.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example workspace file to edit."""
    if path.exists() and not force:
        console.print(f"{path} exists; use --force to overwrite it")
        raise typer.Exit(1)
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    console.print(f"wrote {path}: edit the brands, then `stormwatch serve --config {path}`")


@app.command()
def demo(
    speed: Annotated[float, typer.Option(help="How many times faster than real time to replay.")] = 3600.0,
    host: Annotated[str, typer.Option(help="Address of the dashboard.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard while replaying.")] = True,
    stay: Annotated[bool, typer.Option(help="Keep serving after the replay until Ctrl-C.")] = True,
    database: Annotated[
        str | None, typer.Option(help="Database URL or SQLite file path (default: a fresh SQLite file).")
    ] = None,
) -> None:
    """Replay the bundled two-brand sample stream and open crises live, with the dashboard on.

    Anyone can watch the dashboard read-only; two demo accounts (a manager and an analyst, with
    fresh random passwords printed at start) can log in to acknowledge, draft and approve.
    """
    from stormwatch.demo.runner import WORKSPACE_FILE, create_demo_accounts, describe, replay_sample
    from stormwatch.response.service import tick as respond
    from stormwatch.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="stormwatch-demo-") as scratch:
        runtime = Runtime.open(
            database or f"sqlite:///{Path(scratch) / 'demo.db'}", load_config(WORKSPACE_FILE)
        )
        runtime.live.on_update = lambda update: console.print(describe(update))
        try:
            if serve:
                url = runtime.serve(host, port, public=True)
                console.print(f"Dashboard: {url}  (replaying 3 days of mentions at {speed:g}× real time)")
                console.print("Visitors see it read-only; log in to act on a crisis:")
                for account in create_demo_accounts(runtime.store, runtime.workspace_id):
                    console.print(f"  {account.email}  password {account.password}  ({account.role})")

            # The response clock runs on event time, so the crisis gets its playbook and deadlines as if live.
            def on_tick(moment: datetime) -> None:
                respond(runtime.store, runtime.playbooks, now=moment, send=runtime.live.send)

            stats = replay_sample(runtime.ingestor, runtime.live, speed=speed, on_tick=on_tick)
            console.print(f"Replay finished: {stats.mentions} mentions, {stats.updates} crisis updates.")
            if serve and stay:
                console.print("The dashboard stays up; press Ctrl-C to stop.")
                # Mentions pushed from now on are analysed as they come (pushes only store them).
                runtime.process_in_background(response_clock=False)
                _wait_for_interrupt()
        finally:
            runtime.close()


@app.command()
def serve(
    config: Annotated[Path | None, typer.Option("--config", help="Workspace TOML with the brands.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
) -> None:
    """Serve the dashboard and API, and analyse stored and pushed mentions continuously.

    The workspace's webhooks are received here too; `stormwatch run` also listens to the sources.
    """
    from stormwatch.runtime import Runtime
    from stormwatch.sources.registry import build_sources
    from stormwatch.sources.reliability import MissingCredential
    from stormwatch.sources.secrets import Secrets

    try:
        workspace = load_config(config)
        tokens = Secrets.load(workspace.sources.secrets_file)
    except (ConfigError, MissingCredential) as error:
        raise typer.BadParameter(str(error), param_hint="--config") from error
    runtime = Runtime.open(database, workspace)
    runtime.sources = build_sources(workspace, tokens)
    runtime.live.on_update = lambda update: console.print(
        f"{update.kind} {update.crisis_key}: {update.reason}"
    )
    try:
        console.print(f"Stormwatch on {runtime.serve(host, port)} (API docs at /docs)")
        runtime.process_in_background()
        _wait_for_interrupt()
    finally:
        runtime.close()


@app.command()
def status(
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
    show: Annotated[int, typer.Option(help="List up to this many set-aside mentions per workspace.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per workspace instead.")] = False,
) -> None:
    """Per workspace: mentions waiting for analysis, mentions set aside (with why), open crises."""
    import json

    from stormwatch.backlog import backlog, set_aside_mentions
    from stormwatch.store.db import Store

    store = Store.open(database)
    with store.session() as session:
        for figures in backlog(session):
            aside = set_aside_mentions(session, figures.workspace_id, show) if show else []
            if as_json:
                line = {
                    "workspace": figures.workspace,
                    "pending": figures.pending,
                    "set_aside": figures.set_aside,
                    "open_crises": figures.open_crises,
                    "set_aside_mentions": [
                        {"mention_id": a.mention_id, "brand": a.brand, "id": a.external_id}
                        | {"stage": a.stage, "reason": a.reason}
                        for a in aside
                    ],
                }
                typer.echo(json.dumps(line, ensure_ascii=False))
                continue
            typer.echo(
                f"{figures.workspace}: {figures.pending} pending, {figures.set_aside} set aside, "
                f"{figures.open_crises} open crises"
            )
            for item in aside:
                typer.echo(
                    f"  set aside: mention {item.mention_id} ({item.brand}, {item.source}/{item.external_id}),"
                    f" {item.stage} failed: {item.reason}"
                )
    store.engine.dispose()


@app.command("run")
def run_everything(
    config: Annotated[
        Path, typer.Option("--config", help="Workspace TOML with the brands and their sources.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
    secrets: Annotated[
        Path | None, typer.Option("--secrets", help="TOML file of tokens (default: STORMWATCH_SECRETS_FILE).")
    ] = None,
) -> None:
    """Listen on every configured source, analyse, detect and alert, and serve the dashboard: one process."""
    from stormwatch.runtime import Runtime
    from stormwatch.sources.registry import build_sources
    from stormwatch.sources.reliability import MissingCredential
    from stormwatch.sources.secrets import Secrets

    try:
        workspace = load_config(config)
        tokens = Secrets.load(secrets or workspace.sources.secrets_file)
    except (ConfigError, MissingCredential) as error:
        raise typer.BadParameter(str(error), param_hint="--config") from error
    configured = build_sources(workspace, tokens)
    for brand, network, why in configured.unavailable:
        console.print(f"{network}/{brand} unavailable: {why}")
    runtime = Runtime.open(database, workspace)
    runtime.sources = configured
    runtime.live.on_update = lambda update: console.print(
        f"{update.kind} {update.crisis_key}: {update.reason}"
    )
    try:
        console.print(
            f"Stormwatch on {runtime.serve(host, port)} (API docs at /docs, sources at /api/sources)"
        )
        runtime.listen(workspace, configured)
        console.print(f"listening on {len(configured.sources)} sources, {len(configured.webhooks)} webhooks")
        runtime.process_in_background()
        _wait_for_interrupt()
    finally:
        runtime.close()


def _wait_for_interrupt() -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")


def main() -> None:
    app()
