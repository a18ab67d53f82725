"""The ``stormwatch`` command line."""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click.core import Command, Context  # typer's own click, vendored

    from stormwatch.workspace.config import WorkspaceConfig

from typer.core import TyperCommand

# Commands whose modules load numpy, the language models' code, the database layer, the web server
# or the connectors (up to seconds of imports): loaded only when their command is run, so that
# `stormwatch --help` and each command's own --help start at once. Name -> (module, attribute,
# one-line help shown in the command list, whether it is a command group).
LAZY_COMMANDS: dict[str, tuple[str, str, str, bool]] = {
    "ingest": ("stormwatch.ingest.cli", "ingest", "Store the mentions of FILES exactly once.", False),
    "analyze": ("stormwatch.analysis.cli", "analyze", "Add lang, sentiment and cause to JSON Lines.", False),
    "eval": (
        "stormwatch.analysis.cli",
        "evaluate",
        "Held-out quality and speed of the language models.",
        False,
    ),
    "detect": ("stormwatch.detection.cli", "detect", "Replay mentions and print each crisis opened.", False),
    "user": ("stormwatch.auth.cli", "user_app", "Accounts of people who log in to the web app.", True),
    "token": ("stormwatch.auth.cli", "token_app", "API tokens for other tools, one workspace each.", True),
    "sources": ("stormwatch.sources.cli", "app", "The brands' connectors: list, test, run, import.", True),
    "crisis": (
        "stormwatch.response.cli",
        "crisis_app",
        "Run a crisis: list, show, act, draft, review.",
        True,
    ),
    "playbook": ("stormwatch.playbook.cli", "playbook_app", "Check and read playbooks.", True),
    "report": ("stormwatch.report.cli", "report_app", "Crisis reports and reviews as HTML or PDF.", True),
    "worker": (
        "stormwatch.cluster.cli",
        "worker_app",
        "Scale-out roles on NATS JetStream: listen, analyze, detect, respond.",
        True,
    ),
    "drill": ("stormwatch.drill.cli", "drill_app", "Drills: train on a scripted crisis, scored.", True),
}


class _LazyGroups(TyperGroup):
    _listing = False  # True while the top-level help is written: list names, load nothing

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY_COMMANDS if name not in self.commands)]

    def format_help(self, ctx: Context, formatter: object) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)  # type: ignore[arg-type]
        finally:
            self._listing = False

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute, summary, is_group = LAZY_COMMANDS[cmd_name]
            if self._listing:
                return TyperCommand(cmd_name, help=summary)
            self.add_command(_mount(cmd_name, getattr(importlib.import_module(module), attribute), is_group))
        return super().get_command(ctx, cmd_name)


def _mount(name: str, target: object, is_group: bool) -> Command:
    """The click command typer would have made of ``target`` (a Typer app or a command function)."""
    holder = typer.Typer()
    if is_group:
        # Mounted as add_typer mounts it, so a one-command group stays a group.
        assert isinstance(target, typer.Typer)
        holder.add_typer(target, name=name)
    else:
        # A callback makes the holder a group, so the command keeps its name.
        assert callable(target)
        holder.callback()(lambda: None)
        holder.command(name)(target)
    mounted = typer.main.get_command(holder)
    assert isinstance(mounted, TyperGroup)
    return mounted.commands[name]


app = typer.Typer(
    cls=_LazyGroups,
    help="Stormwatch: early warning of social-media crises for brands, and the team's response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


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
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
) -> None:
    """Write a commented example workspace file to edit, and store its workspace and brands.

    After editing the file, any command given `--config FILE` brings the database in line with it.
    """
    from stormwatch.store.db import Store
    from stormwatch.workspace.config import EXAMPLE_CONFIG, load_config
    from stormwatch.workspace.service import apply_config

    if path.exists() and not force:
        console.print(f"{path} exists; use --force to overwrite it")
        raise typer.Exit(1)
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    config = load_config(path)
    store = Store.open(database)
    try:
        with store.session() as session:
            apply_config(session, config)
    finally:
        store.engine.dispose()
    brands = ", ".join(brand.name for brand in config.brands)
    console.print(
        f"wrote {path} and stored workspace {config.workspace.name!r} (brands: {brands}).\n"
        f"Next: edit the brands, then `stormwatch user add EMAIL -w {config.workspace.name!r} --role admin`,\n"
        f"`stormwatch ingest FILE --config {path}` and `stormwatch serve --config {path}` "
        "(docs/getting-started.md)"
    )


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
    from stormwatch.workspace.config import load_config

    # SIGTERM (or Ctrl-C) at any moment, model loading included, ends here: the temporary folder goes.
    try:
        with _sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="stormwatch-demo-") as scratch:
            runtime = Runtime.open(
                database or f"sqlite:///{Path(scratch) / 'demo.db'}", load_config(WORKSPACE_FILE)
            )
            runtime.live.on_update = lambda update: console.print(describe(update))
            try:
                if serve:
                    url = runtime.serve(host, port, public=True)
                    console.print(
                        f"Dashboard: {url}  (a week of history, then 3 days replayed at {speed:g}× real time)"
                    )
                    console.print("Visitors see it read-only; log in to act on a crisis:")
                    for account in create_demo_accounts(runtime.store, runtime.workspace_id):
                        console.print(f"  {account.email}  password {account.password}  ({account.role})")

                # The response clock runs on the wall clock, as for a live crisis: the replay's hours pass
                # in seconds, and deadlines counted in event time would be hours overdue when a visitor looks.
                def on_tick(moment: datetime) -> None:
                    respond(runtime.store, runtime.playbooks, send=runtime.live.send)

                stats = replay_sample(runtime.ingestor, runtime.live, speed=speed, on_tick=on_tick)
                console.print(
                    f"Replay finished: {stats.mentions} mentions after {stats.history} of history, "
                    f"{stats.updates} crisis updates."
                )
                if serve and stay:
                    console.print("The dashboard stays up; press Ctrl-C to stop.")
                    # Mentions pushed from now on are analysed as they come (pushes only store them).
                    runtime.process_in_background()
                    _wait_for_interrupt()
            finally:
                runtime.close()
    except KeyboardInterrupt:
        console.print("stopping")


@app.command()
def serve(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Workspace TOML with the brands (default: the store's only workspace)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
    web_only: Annotated[
        bool,
        typer.Option(
            "--web-only",
            help="Scale-out mode: only serve (pushes are stored; `stormwatch worker` processes them).",
        ),
    ] = False,
) -> None:
    """Serve the dashboard and API, and analyse stored and pushed mentions continuously.

    The workspace's webhooks are received here too; `stormwatch run` also listens to the sources.
    """
    from stormwatch.runtime import Runtime
    from stormwatch.sources.registry import build_sources
    from stormwatch.sources.reliability import MissingCredential
    from stormwatch.sources.secrets import Secrets
    from stormwatch.workspace.config import ConfigError

    workspace = _workspace_config(config, database)
    try:
        tokens = Secrets.load(workspace.sources.secrets_file)
    except (ConfigError, MissingCredential) as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    runtime = Runtime.open(database, workspace)
    runtime.sources = build_sources(workspace, tokens)
    runtime.live.on_update = lambda update: console.print(
        f"{update.kind} {update.crisis_key}: {update.reason}"
    )
    try:
        console.print(f"Stormwatch on {runtime.serve(host, port)} (API docs at /docs)")
        if not web_only:
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
    language: Annotated[
        str | None, typer.Option("--language", help="en or pl (default: STORMWATCH_LANGUAGE, else en).")
    ] = None,
    nats: Annotated[
        str | None,
        typer.Option("--nats", envvar="STORMWATCH_NATS_URL", help="Scale-out mode: also the cluster's lag."),
    ] = None,
    prefix: Annotated[
        str, typer.Option("--prefix", envvar="STORMWATCH_CLUSTER_PREFIX", help="The cluster's stream prefix.")
    ] = "stormwatch",
) -> None:
    """Per workspace: mentions waiting for analysis, mentions set aside (with why), open crises."""
    import json

    from stormwatch.backlog import backlog, set_aside_mentions
    from stormwatch.i18n.refusal import cli_language
    from stormwatch.response import said
    from stormwatch.store.db import Store

    try:
        locale = cli_language(language)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--language") from error
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
                said.backlog_line(
                    figures.workspace, figures.pending, figures.set_aside, figures.open_crises, locale
                )
            )
            for item in aside:
                typer.echo(said.set_aside_line(item, locale))
    if nats:
        import asyncio

        from stormwatch.cluster.config import ClusterSettings
        from stormwatch.cluster.status import cluster_status

        cluster = asyncio.run(cluster_status(ClusterSettings(nats_url=nats, prefix=prefix), store))
        typer.echo(json.dumps(cluster.__dict__) if as_json else cluster.line())
    store.engine.dispose()


@app.command()
def process(
    config: Annotated[Path, typer.Option("--config", help="Workspace TOML with the brands and the team.")],
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).")
    ] = None,
) -> None:
    """Analyse every stored mention not analysed yet, open or escalate crises, send their alerts and
    pages, then exit (what `serve` and `run` do continuously)."""
    from stormwatch.demo.runner import describe
    from stormwatch.runtime import Runtime
    from stormwatch.workspace.config import ConfigError, load_config

    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    runtime = Runtime.open(database, workspace)
    runtime.live.on_update = lambda update: console.print(describe(update))
    try:
        analysed = runtime.process_all()
        runtime.run_response_clock()
    finally:
        runtime.close()
    console.print(f"analysed {analysed} mentions of {workspace.workspace.name!r}")


@app.command("run")
def run_everything(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Workspace TOML with the brands and their sources (default: the store's only workspace).",
        ),
    ] = None,
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
    from stormwatch.workspace.config import ConfigError

    workspace = _workspace_config(config, database)
    try:
        tokens = Secrets.load(secrets or workspace.sources.secrets_file)
    except (ConfigError, MissingCredential) as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
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


def _workspace_config(config: Path | None, database: str | None) -> WorkspaceConfig:
    """The file's workspace; without --config the store's only workspace (never a hidden default
    one: mentions and crises would go where nobody looks). Anything else is a usage error (exit 2)
    naming --config."""
    from stormwatch.i18n.refusal import cli_said
    from stormwatch.store.db import Store
    from stormwatch.workspace.config import ConfigError, load_config
    from stormwatch.workspace.service import NoWorkspace, stored_config

    if config is not None:
        try:
            return load_config(config)
        except ConfigError as error:
            from stormwatch.i18n.refusal import cli_said

            raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    store = Store.open(database)
    try:
        with store.session() as session:
            return stored_config(session)
    except NoWorkspace as error:
        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    finally:
        store.engine.dispose()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM (systemd, docker stop, kill) stop the command as Ctrl-C does, so its cleanup runs
    (the demo's temporary folder is removed, the server and the database are closed)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait_for_interrupt() -> None:
    try:
        with _sigterm_as_interrupt():
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")


def main() -> None:
    app()
