"""``stormwatch ingest``: import exported mentions from JSON Lines or CSV files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stormwatch.ingest.readers import read_records
from stormwatch.textio import progress
from stormwatch.workspace.config import ConfigError, load_config

if TYPE_CHECKING:
    from stormwatch.ingest.service import Problem


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) files, optionally .gz.")
    ],
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand of every record (else each record's brand).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Workspace TOML with the brands.")] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL (default: STORMWATCH_DATABASE_URL or ./stormwatch.db)."
        ),
    ] = None,
) -> None:
    """Store the mentions of FILES exactly once; malformed records are reported and quarantined.

    Importing the same file again adds nothing, and an import that was interrupted can simply be run
    again. Stored mentions are analysed by `stormwatch serve` (or `stormwatch process`).
    """
    # The database layer loads here, not when the command line starts (``stormwatch --help``).
    from stormwatch.ingest.service import MentionIngestor
    from stormwatch.store.db import Store
    from stormwatch.workspace.service import apply_config

    try:
        workspace_config = load_config(config)
    except ConfigError as error:
        raise typer.BadParameter(str(error), param_hint="--config") from error
    store = Store.open(database)
    with store.session() as session:
        workspace_id = apply_config(session, workspace_config).id
    ingestor = MentionIngestor(store, workspace_id, window=workspace_config.ingest.window())
    failed = False
    for path in files:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            failed = True
            continue
        report = ingestor.ingest(
            progress(read_records(path), f"Importing {path.name}"),
            origin=str(path),
            brand=brand,
            on_problem=_print_problem,
        )
        typer.echo(f"{path}: {report.summary()}")
    if failed:
        raise typer.Exit(1)


def _print_problem(problem: Problem) -> None:
    print(f"quarantined {problem}", file=sys.stderr)
