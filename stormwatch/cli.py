"""Minimal ``stormwatch`` command line of the analysis branch (the lead merges it with main's)."""

from __future__ import annotations

import typer

from stormwatch.analysis.cli import register

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
register(app)


def main() -> None:
    app()
