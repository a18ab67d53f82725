"""``stormwatch report ...``: the crisis report and the regular review as files, and the scheduled sending."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from stormwatch.report.documents import Format, as_format, crisis_html, review_html
from stormwatch.report.figures import ReportError
from stormwatch.report.render import RenderError
from stormwatch.response import service
from stormwatch.response.cli import ConfigOption, DatabaseOption, _open, _workspace_id
from stormwatch.workspace.config import ConfigError

report_app = typer.Typer(
    help="Reports to send a client: a crisis, or a review of a period.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)

PdfOption = Annotated[
    bool, typer.Option("--pdf", help="Write a PDF (needs the 'pdf' extra) instead of HTML.")
]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", help="The file to write (default: a name from the report).")
]
LanguageOption = Annotated[
    str | None, typer.Option("--language", help="pl or en (default: the workspace file's [report] language).")
]


def _language(value: str | None, default: str) -> Literal["en", "pl"]:
    chosen = value or default
    if chosen not in ("en", "pl"):
        raise ReportError(f"--language: {chosen!r} is neither 'pl' nor 'en'")
    return "pl" if chosen == "pl" else "en"


def _write(html: str, pdf: bool, output: Path | None, stem: str) -> None:
    kind: Format = "pdf" if pdf else "html"
    data = as_format(html, kind)
    target = output or Path(f"{stem}.{kind}")
    target.write_bytes(data)
    out.print(f"Wrote {target} ({len(data):,} bytes)")


def _fail(error: Exception) -> typer.Exit:
    from stormwatch.i18n.refusal import cli_said

    err.print(f"[red]{escape(cli_said(error))}[/red]", highlight=False)
    return typer.Exit(1)


@report_app.command("crisis")
def crisis_command(
    key: Annotated[str, typer.Argument(help="The crisis key (stormwatch crisis list).")],
    pdf: PdfOption = False,
    output: OutputOption = None,
    language: LanguageOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """One crisis as a report: what happened, the charts, the response, the lessons."""
    acting = service.ACTING_WORKSPACE.set(None)
    try:
        store, workspace = _open(database, config)
        workspace_id = _workspace_id(store, workspace, config)
        locale = _language(language, workspace.report.language)
        html = crisis_html(store, workspace_id, key, locale=locale, branding=workspace.report)
        _write(html, pdf, output, f"crisis-{key}-{locale}")
    except (ReportError, RenderError, ConfigError, service.ResponseError, RuntimeError) as error:
        raise _fail(error) from error
    finally:
        service.ACTING_WORKSPACE.reset(acting)


@report_app.command("review")
def review_command(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (the workspace's time zone).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD, included.")],
    brand: Annotated[
        str | None, typer.Option(help="One brand (default: every brand of the workspace).")
    ] = None,
    pdf: PdfOption = False,
    output: OutputOption = None,
    language: LanguageOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """The strategy review of a period: trends, crises, replies, drills, and recommendations."""
    acting = service.ACTING_WORKSPACE.set(None)
    try:
        first, last = _day(start, "--from"), _day(end, "--to")
        store, workspace = _open(database, config)
        workspace_id = _workspace_id(store, workspace, config)
        locale = _language(language, workspace.report.language)
        html = review_html(
            store, workspace_id, first, last, brand=brand, locale=locale, branding=workspace.report
        )
        _write(html, pdf, output, f"review-{brand or 'all'}-{first}-{last}-{locale}".replace(" ", "_"))
    except (ReportError, RenderError, ConfigError, service.ResponseError, RuntimeError) as error:
        raise _fail(error) from error
    finally:
        service.ACTING_WORKSPACE.reset(acting)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ReportError(f"{option}: {value!r} is not a day like 2026-11-30") from error


@report_app.command("send-due")
def send_due_command(
    config: Annotated[Path, typer.Option("--config", help="Workspace TOML with the [report] schedule.")],
    database: DatabaseOption = None,
) -> None:
    """Send the scheduled reviews that are due (each once per period); run it from cron or a timer.

    `stormwatch run` does this by itself every quarter of an hour; this command is for
    deployments that serve without the live service.
    """
    from stormwatch.report.schedule import send_due

    acting = service.ACTING_WORKSPACE.set(None)
    try:
        store, workspace = _open(database, config)
        workspace_id = _workspace_id(store, workspace, config)
        outcomes = send_due(store, workspace_id, workspace.report)
    except (ConfigError, service.ResponseError) as error:
        raise _fail(error) from error
    finally:
        service.ACTING_WORKSPACE.reset(acting)
    for outcome in outcomes:
        period = f"{outcome.period[0]}–{outcome.period[1]}"
        line = f"{outcome.schedule} {period}: {outcome.status}" + (
            f" ({outcome.error})" if outcome.error else ""
        )
        out.print(line, highlight=False)
    if not workspace.report.schedule:
        out.print("No [[report.schedule]] in the workspace file.")
    if any(outcome.status in ("failed", "gave_up") for outcome in outcomes):
        raise typer.Exit(1)
