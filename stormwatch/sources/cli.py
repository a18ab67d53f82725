"""``stormwatch sources list|test|run|import|firehose`` and ``stormwatch run``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stormwatch.ingest.service import MentionIngestor, Problem
from stormwatch.sources.checkpoints import Checkpoints
from stormwatch.sources.exports import FORMATS, ExportError, read_export
from stormwatch.sources.registry import Configured, build_sources
from stormwatch.sources.reliability import Backoff, MissingCredential
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.store.db import Store
from stormwatch.textio import progress
from stormwatch.workspace.config import ConfigError, WorkspaceConfig, load_config
from stormwatch.workspace.service import apply_config

app = typer.Typer(help="Connectors: the networks each brand is listened to on.", no_args_is_help=True)
console = Console(stderr=True)

ConfigOption = Annotated[
    Path, typer.Option("--config", help="Workspace TOML with the brands and their sources.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db)."),
]
SecretsOption = Annotated[
    Path | None,
    typer.Option(
        "--secrets", help="TOML file of tokens (default: STORMWATCH_SECRETS_FILE or [sources] secrets_file)."
    ),
]


def open_workspace(
    config: Path, database: str | None, secrets_file: Path | None
) -> tuple[WorkspaceConfig, Store, int, Configured]:
    try:
        workspace = load_config(config)
        secrets = Secrets.load(secrets_file or workspace.sources.secrets_file)
    except (ConfigError, MissingCredential) as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    store = Store.open(database)
    with store.session() as session:
        workspace_id = apply_config(session, workspace).id
    return workspace, store, workspace_id, build_sources(workspace, secrets)


@app.command("list")
def list_sources(
    config: ConfigOption,
    database: DatabaseOption = None,
    secrets: SecretsOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON line per source instead of a table.")
    ] = False,
) -> None:
    """The configured sources with their health: last success, lag, newest item, last error."""
    _, store, workspace_id, configured = open_workspace(config, database, secrets)
    known = [(s.key, s.network, s.brand) for s in configured.sources] + [
        (h.key, "webhook", h.brand) for h in configured.webhooks
    ]
    unavailable = [
        {
            "key": f"{network}/{brand}",
            "network": network,
            "brand": brand,
            "status": "unavailable",
            "last_error": why,
        }
        for brand, network, why in configured.unavailable
    ]
    if as_json:
        for health in Checkpoints(store, workspace_id).health(known):
            typer.echo(json.dumps(health.as_json(), ensure_ascii=False))
        for row in unavailable:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table("source", "status", "last success", "lag", "stored", "quarantined", "last error")
    for health in Checkpoints(store, workspace_id).health(known):
        table.add_row(
            health.key,
            health.status,
            health.last_success_at.strftime("%Y-%m-%d %H:%M:%S") if health.last_success_at else "-",
            _duration(health.lag_seconds),
            str(health.items_stored),
            str(health.items_quarantined),
            (health.last_error or "")[:80] if health.status == "failing" else "",
        )
    for brand, network, why in configured.unavailable:
        table.add_row(f"{network}/{brand}", "unavailable", "-", "-", "-", "-", why)
    Console().print(table)


@app.command()
def test(
    config: ConfigOption,
    key: Annotated[str | None, typer.Argument(help="Only the sources whose key contains this.")] = None,
    database: DatabaseOption = None,
    secrets: SecretsOption = None,
) -> None:
    """Fetch the first page of each source to check its address and credentials; nothing is stored."""
    _, _, _, configured = open_workspace(config, database, secrets)
    failed = bool(configured.unavailable)
    for brand, network, why in configured.unavailable:
        console.print(f"[red]✗[/] {network}/{brand}: {why}")
    for source in configured.sources:
        if key and key not in source.key:
            continue
        if not source.pollable:
            console.print(f"[yellow]-[/] {source.key}: a live stream only; `sources run` shows its health")
            continue
        try:
            page = next(iter(source.poll({})), None)
            count = len(page.records) if page else 0
            console.print(f"[green]✓[/] {source.key}: {count} items on the first page")
        except Exception as error:
            failed = True
            console.print(f"[red]✗[/] {source.key}: {error}")
        finally:
            source.close()
    if failed:
        raise typer.Exit(1)


@app.command()
def run(
    config: ConfigOption,
    database: DatabaseOption = None,
    secrets: SecretsOption = None,
    once: Annotated[bool, typer.Option("--once", help="Poll every source once and exit (for cron).")] = False,
) -> None:
    """Listen on every configured source, storing new mentions exactly once, until Ctrl-C.

    Each source resumes from its checkpoint, backs off on errors and rate limits on its own, and a
    failing source does not stop the others. Analysis runs in `stormwatch serve` or `stormwatch run`.
    """
    workspace, store, workspace_id, configured = open_workspace(config, database, secrets)
    for brand, network, why in configured.unavailable:
        console.print(f"{network}/{brand} unavailable: {why}")
    runner = SourceRunner(
        store,
        workspace_id,
        configured.sources,
        backoff=Backoff(workspace.sources.backoff_initial_seconds, workspace.sources.backoff_max_seconds),
        poll_seconds=workspace.sources.poll_seconds,
        on_problem=_print_problem,
    )
    if once:
        failed = False
        for source in progress(configured.sources, "Polling sources"):
            report = runner.poll_once(source)
            console.print(report.summary())
            failed = failed or report.error is not None
            source.close()
        raise typer.Exit(1 if failed else 0)
    console.print(f"listening on {len(configured.sources)} sources; Ctrl-C to stop")
    runner.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        runner.stop()


@app.command("import")
def import_export(
    files: Annotated[
        list[Path], typer.Argument(help="Brand24, SentiOne or Brandwatch exports (.csv or .xlsx).")
    ],
    brand: Annotated[str, typer.Option("--brand", help="Brand the mentions are about.")],
    export_format: Annotated[
        str, typer.Option("--format", help=f"auto, or one of: {', '.join(FORMATS)}.")
    ] = "auto",
    config: Annotated[Path | None, typer.Option("--config", help="Workspace TOML with the brands.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Import other tools' exports exactly once, mapping their columns to mentions.

    Rows that cannot be read are reported (file, line, field) and quarantined; the rest is stored.
    """
    if export_format != "auto" and export_format not in FORMATS:
        raise typer.BadParameter(f"unknown format {export_format}", param_hint="--format")
    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    store = Store.open(database)
    with store.session() as session:
        workspace_id = apply_config(session, workspace).id
    ingestor = MentionIngestor(store, workspace_id, window=workspace.ingest.window())
    failed = False
    for path in files:
        try:
            report = ingestor.ingest(
                progress(read_export(path, export_format), f"Importing {path.name}"),
                origin=str(path),
                brand=brand,
                on_problem=_print_problem,
            )
        except (ExportError, OSError) as error:
            console.print(str(error))
            failed = True
            continue
        typer.echo(f"{path}: {report.summary()}")
    if failed:
        raise typer.Exit(1)


@app.command()
def firehose(
    files: Annotated[list[Path], typer.Argument(help="Recorded Jetstream events, one JSON event a line.")],
    config: ConfigOption,
    database: DatabaseOption = None,
) -> None:
    """Run a recorded Bluesky firehose (Jetstream JSON Lines) through the workspace's brands.

    Posts naming a brand are stored once for each brand they name, as the live `[sources.firehose]`
    would store them; malformed lines are reported (file:line) and quarantined, the rest goes on.
    """
    from stormwatch.sources.firehose import JetstreamFilter, event_records, read_events

    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    store = Store.open(database)
    with store.session() as session:
        workspace_id = apply_config(session, workspace).id
    jetstream = JetstreamFilter.for_brands(workspace.brands)
    ingestor = MentionIngestor(store, workspace_id, window=workspace.ingest.window())
    failed = False
    for path in files:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                events = list(progress(read_events(handle), f"Reading {path.name}"))
            records = [
                record
                for line, text in events
                for record in event_records(jetstream.decide(text), text, line, f"line {line}")
            ]
        except OSError as error:
            console.print(f"{path}: cannot read: {error.strerror}", highlight=False)
            failed = True
            continue
        report = ingestor.ingest(records, origin=str(path), on_problem=_print_problem)
        kept = len({record.line for record in records if record.fields is not None})
        typer.echo(f"{path}: {len(events)} events, {kept} posts naming a brand; {report.summary()}")
    if failed:
        raise typer.Exit(1)


@app.command()
def reply(
    draft_id: Annotated[
        int, typer.Argument(help="An approved draft of the crisis response (see `stormwatch crisis`).")
    ],
    reply_to: Annotated[str, typer.Option("--reply-to", help="External id of the stored mention to answer.")],
    config: ConfigOption,
    actor: Annotated[
        str | None, typer.Option("--as", help="Who publishes (default: STORMWATCH_USER or login name).")
    ] = None,
    dry_run: Annotated[
        bool | None,
        typer.Option(
            "--dry-run/--no-dry-run", help="Log instead of posting (default: [sources] dry_run_replies)."
        ),
    ] = None,
    database: DatabaseOption = None,
    secrets: SecretsOption = None,
) -> None:
    """Post an approved response as a reply on the network of the mention it answers.

    The reply's URL is recorded on the crisis timeline with the publication.
    """
    import getpass
    import os

    from stormwatch.response.drafts import publish_response
    from stormwatch.response.service import ResponseError
    from stormwatch.sources.publishing import ConnectorPublisher
    from stormwatch.sources.registry import build_publisher

    workspace, store, workspace_id, _ = open_workspace(config, database, secrets)
    tokens = Secrets.load(secrets or workspace.sources.secrets_file)
    publisher = ConnectorPublisher(store, workspace_id, build_publisher(workspace, tokens, dry_run=dry_run))
    who = actor or os.environ.get("STORMWATCH_USER") or getpass.getuser()
    try:
        publication = publish_response(store, draft_id, publisher, who, reply_to=reply_to)
    except ResponseError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from error
    console.print(f"published draft #{draft_id} as publication #{publication}")


def _print_problem(problem: Problem) -> None:
    print(f"quarantined {problem}", file=sys.stderr)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sources")


__all__ = ["app", "open_workspace", "register"]
