"""``stormwatch playbook validate|show``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stormwatch.playbook.loader import LoadedPlaybook, PlaybookError, PlaybookLibrary, load_playbook_file
from stormwatch.workspace.config import ConfigError, load_config

playbook_app = typer.Typer(help="Check and read the crisis playbooks.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Workspace TOML; its playbooks_dir overrides the bundled playbooks."),
]


def library_for(config: Path | None) -> PlaybookLibrary:
    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    return PlaybookLibrary.load(workspace.workspace.playbooks_dir)


@playbook_app.command()
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Playbook files or folders (default: all in use).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Check playbook files; every problem is printed as FILE:LINE: reason. Exit status 1 if any."""
    problems, good = [], []
    if paths:
        files = [f for p in paths for f in (sorted(p.glob("*.y*ml")) if p.is_dir() else [p])]
        for file in files:
            try:
                good.append(load_playbook_file(file))
            except PlaybookError as error:
                problems.extend(error.problems)
    else:
        library = library_for(config)
        good, problems = list(library.playbooks.values()), list(library.problems)
    for loaded in good:
        out.print(f"ok  {loaded.path}  ({loaded.playbook.name} v{loaded.playbook.version})", soft_wrap=True)
    for problem in problems:
        err.print(f"[red]{problem}[/red]", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)


@playbook_app.command()
def show(
    name: Annotated[str | None, typer.Argument(help="A playbook's name; without it, the list.")] = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The validated playbook as JSON.")] = False,
) -> None:
    """List the playbooks in use, or show one: roles, timed steps, escalation, templates."""
    library = library_for(config)
    if name is None:
        table = Table("name", "version", "for causes", "file")
        for loaded in sorted(library.playbooks.values(), key=lambda item: item.playbook.name):
            p = loaded.playbook
            table.add_row(p.name, str(p.version), ", ".join(p.applies_to) or "(any other)", str(loaded.path))
        out.print(table)
        return
    try:
        loaded = library.get(name)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="NAME") from error
    if as_json:
        out.print_json(json.dumps(loaded.playbook.model_dump(mode="json"), ensure_ascii=False))
        return
    _render(loaded)


def _render(loaded: LoadedPlaybook) -> None:
    p = loaded.playbook
    out.print(f"[bold]{p.title}[/bold]  ({p.name} v{p.version}, {loaded.path})\n{p.summary}\n")
    roles = Table("role", "title", title="Roles")
    for key, role in p.roles.items():
        roles.add_row(key, role.title)
    out.print(roles)
    steps = Table("within", "step", "role", "checklist", title="Steps (minutes after the crisis started)")
    for step in p.all_steps():
        security = " [security]" if step in p.security_steps else ""
        steps.add_row(f"{step.due_minutes} min", step.title + security, step.role, "\n".join(step.checklist))
    out.print(steps)
    rules = Table("from severity", "ack within", "chain", "also told", title="Escalation")
    for rule in p.escalation:
        rules.add_row(
            str(rule.from_severity),
            f"{rule.ack_within_minutes} min",
            " → ".join(rule.chain),
            ", ".join(rule.also_notify),
        )
    out.print(rules)
    for template, texts in p.templates.items():
        for lang, text in texts.items():
            out.print(f"[bold]{template}[/bold] ({lang}): {text}", highlight=False)
    out.print(f"Approved by: {', '.join(p.approval.roles)}")
