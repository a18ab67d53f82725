"""``stormwatch ingest``: import exported mentions from JSON Lines or CSV files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stormwatch.i18n.refusal import cli_line, cli_locale
from stormwatch.ingest.readers import read_records
from stormwatch.textio import progress
from stormwatch.workspace.config import ConfigError, load_config

if TYPE_CHECKING:
    from stormwatch.ingest.service import IngestReport, Problem


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv, ',' or ';'), optionally .gz.")
    ],
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand of every record (else each record's brand).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Workspace TOML with the brands (else the database's only workspace)."),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db)."
        ),
    ] = None,
) -> None:
    """Store the mentions of FILES exactly once; malformed records are reported and quarantined.

    Mentions go to the workspace of --config (or the database's only workspace), and only to its
    brands: a record of another brand is quarantined. Importing the same file again adds nothing,
    and an interrupted import can simply be run again. Stored mentions are analysed by
    `stormwatch process` (once) or `stormwatch serve` / `stormwatch run` (continuously). Exits 1
    when a file is missing or every record of a file was quarantined.
    """
    # The database layer loads here, not when the command line starts (``stormwatch --help``).
    from stormwatch.i18n.refusal import cli_said
    from stormwatch.ingest.service import MentionIngestor
    from stormwatch.ingest.window import DEFAULT_WINDOW
    from stormwatch.store.db import Store
    from stormwatch.workspace.service import NoWorkspace, brand_names, workspace_for

    try:
        workspace_config = load_config(config) if config is not None else None
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    store = Store.open(database)
    try:
        with store.session() as session:
            workspace = workspace_for(session, workspace_config)
            workspace_id, workspace_name = workspace.id, workspace.name
            brands = brand_names(session, workspace_id)
    except NoWorkspace as error:
        store.engine.dispose()
        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    if brand is not None and brand not in brands:
        store.engine.dispose()
        known = ", ".join(brands) or "-"
        raise typer.BadParameter(
            cli_line(
                "'%(brand)s' is not a brand of workspace '%(workspace)s' (brands: %(known)s); "
                "add it to the workspace file",
                brand=brand,
                workspace=workspace_name,
                known=known,
            ),
            param_hint="--brand",
        )
    window = workspace_config.ingest.window() if workspace_config else DEFAULT_WINDOW
    ingestor = MentionIngestor(store, workspace_id, window=window, known_brands=brands)
    failed = False
    try:
        for path in files:
            if not path.is_file():
                typer.echo(f"{path}: {cli_line('no such file')}", err=True)
                failed = True
                continue
            report = ingestor.ingest(
                progress(read_records(path), f"Importing {path.name}"),
                origin=str(path),
                brand=brand,
                on_problem=_print_problem,
            )
            summary = report.summary(cli_locale())
            typer.echo(f"{path}: {summary} ({cli_line('workspace %(name)s', name=repr(workspace_name))})")
            failed |= _warn(path, report)
    finally:
        store.engine.dispose()
    if failed:
        raise typer.Exit(1)


def _warn(path: Path, report: IngestReport) -> bool:
    """Say what the summary line does not; True when the file's import should count as failed."""
    if report.zoneless_times:
        warning = cli_line(
            "warning: %(count)s times named no time zone and were read as UTC "
            "(write them as 2026-03-02T10:15:00+01:00 or …Z)",
            count=report.zoneless_times,
        )
        typer.echo(f"{path}: {warning}", err=True)
    if report.nothing_accepted:
        typer.echo(f"{path}: {cli_line('every record was quarantined; nothing was imported')}", err=True)
        return True
    return False


def _print_problem(problem: Problem) -> None:
    print(cli_line("quarantined %(problem)s", problem=problem.said_in(cli_locale())), file=sys.stderr)
