"""``stormwatch crisis ...``: the response from the command line, over the same service layer as the web app."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from sqlalchemy import select

from stormwatch.i18n.catalogue import translate
from stormwatch.i18n.refusal import Phrase, Term, cli_language, said_in
from stormwatch.i18n.zones import workspace_zone
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.models import LANGUAGES as TEMPLATE_LANGUAGES
from stormwatch.playbook.revision import PlaybookChange, RevisionError
from stormwatch.response import drafts, review, said, service
from stormwatch.response.publishing import WebhookPublisher
from stormwatch.response.reply_times import reply_report
from stormwatch.store.db import Store
from stormwatch.workspace.config import ConfigError, WorkspaceConfig, load_config
from stormwatch.workspace.models import Brand, Workspace
from stormwatch.workspace.service import apply_config

crisis_app = typer.Typer(
    help="Run the response to a crisis: list, acknowledge, assign, draft, approve, review.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL or SQLite file (default: STORMWATCH_DATABASE_URL or ./stormwatch.db).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Workspace TOML (team, playbooks_dir); applied to the store first."),
]
ActorOption = Annotated[
    str | None, typer.Option("--as", help="Who does this (default: STORMWATCH_USER, else your login name).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language", help="en or pl (default: STORMWATCH_LANGUAGE, else en); times in the team's zone."
    ),
]


def _actor(name: str | None) -> str:
    return name or os.environ.get("STORMWATCH_USER") or getpass.getuser()


def _friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the service's refusals into one red line and exit status 1, not a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        acting = service.ACTING_WORKSPACE.set(None)  # set by _open for this command only
        try:
            return command(*args, **kwargs)
        except (service.ResponseError, RevisionError, ConfigError) as error:
            err.print(f"[red]{escape(said_in(error, _language()))}[/red]", highlight=False)
            raise typer.Exit(1) from error
        finally:
            service.ACTING_WORKSPACE.reset(acting)

    return run


def _language(chosen: str | None = None) -> str:
    """``--language``, else STORMWATCH_LANGUAGE, else English; an unknown one is a usage error."""
    try:
        return cli_language(chosen)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--language") from error


def _say(phrase: Phrase) -> None:
    """What a command did, in the CLI's language (STORMWATCH_LANGUAGE; English when that is not one
    Stormwatch speaks: the command has already been done, so it must not fail now)."""
    try:
        locale = cli_language()
    except ValueError:
        locale = "en"
    out.print(escape(phrase.said_in(locale)), highlight=False)


def _open(database: str | None, config: Path | None) -> tuple[Store, WorkspaceConfig]:
    workspace = load_config(config)
    store = Store.open(database)
    if config is not None:
        with store.session() as session:
            # The command acts in the file's workspace: crisis keys are unique per workspace only.
            service.ACTING_WORKSPACE.set(apply_config(session, workspace).id)
    return store, workspace


def _workspace_id(store: Store, workspace: WorkspaceConfig, config: Path | None) -> int:
    with store.session() as session:
        if config is not None:
            found = session.scalar(select(Workspace.id).where(Workspace.name == workspace.workspace.name))
            if found is not None:
                return found
        ids = list(session.scalars(select(Workspace.id).where(Workspace.drill.is_(False))))
    if len(ids) != 1:
        raise service.ResponseError("name the workspace with --config (the store holds several or none)")
    return ids[0]


def _library(workspace: WorkspaceConfig) -> PlaybookLibrary:
    return PlaybookLibrary.load(workspace.workspace.playbooks_dir)


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False, default=str))


@crisis_app.command("list")
@_friendly
def list_command(
    status: Annotated[str | None, typer.Option(help="Only crises in this status.")] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand's crises.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only crises not yet resolved.")] = False,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    config: ConfigOption = None,
    language: LanguageOption = None,
) -> None:
    """Crises, newest first."""
    store, _ = _open(database, config)
    rows = service.list_crises(store, status=status, brand=brand, open_only=open_only)
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    locale = _language(language)
    names = said.columns(said.LIST_COLUMNS, locale)
    # The key is what every other command takes: it is never cut or wrapped; the rest may wrap.
    table = Table(*(Column(name, no_wrap=True) for name in names[:4]), *names[4:])
    zones = _brand_zones(store)
    for row in rows:
        table.add_row(*said.list_row(row, zones.get(row["brand"], ZoneInfo("UTC")), locale))
    out.print(table)
    if not rows:
        err.print(translate("no crises match", locale))


def _brand_zones(store: Store) -> dict[str, ZoneInfo]:
    """Each brand's team zone (in the acting workspace when one is named), for local times."""
    acting = service.ACTING_WORKSPACE.get()
    with store.session() as session:
        query = select(Brand) if acting is None else select(Brand).where(Brand.workspace_id == acting)
        return {
            brand.name: workspace_zone(session, brand.workspace_id, brand)
            for brand in session.scalars(query.order_by(Brand.id.desc()))
        }


@crisis_app.command()
@_friendly
def show(
    key: str,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    config: ConfigOption = None,
    language: LanguageOption = None,
) -> None:
    """One crisis: playbook steps with deadlines, people, pages, texts, timeline."""
    store, _ = _open(database, config)
    detail = service.crisis_detail(store, key)
    if as_json:
        _print_json(detail)
        return
    locale = _language(language)
    with store.session() as session:
        crisis = service.get_crisis(session, key)
        plan = service.plan_of(session, crisis)
        zone = workspace_zone(session, crisis.workspace_id, service.brand_of(session, crisis))
    out.print(escape(said.heading(detail, locale)), style="bold", highlight=False)
    out.print(said.reason(detail, locale), highlight=False, markup=False)
    if detail["assignments"]:
        out.print(said.people(detail, plan, locale), highlight=False, markup=False)
    steps = Table(*said.columns(said.STEP_COLUMNS, locale), title=translate("Steps", locale))
    for step in detail["steps"]:
        steps.add_row(*said.step_row(step, plan, zone, locale))
    out.print(steps)
    for draft in detail["drafts"]:
        out.print(said.draft_line(draft, locale), highlight=False, markup=False)
    timeline = Table(*said.columns(said.TIMELINE_COLUMNS, locale), title=translate("Timeline", locale))
    for event in detail["timeline"]:
        timeline.add_row(*(escape(cell) for cell in said.timeline_row(event, plan, zone, locale)))
    out.print(timeline)


@crisis_app.command("open")
@_friendly
def open_command(
    brand: str,
    reason: Annotated[str, typer.Option(help="What is happening, in a sentence.")],
    severity: Annotated[int, typer.Option(min=1, max=4, help="1 (low) to 4 (critical).")] = 2,
    cause: Annotated[
        str | None,
        typer.Option(
            help="communication_error, negative_review, controversial_action, account_compromise or customer_service."
        ),
    ] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Open a crisis by hand."""
    store, workspace = _open(database, config)
    key = service.open_crisis(
        store,
        _workspace_id(store, workspace, config),
        brand,
        reason=reason,
        actor=_actor(actor),
        severity=severity,
        cause=cause,
        library=_library(workspace),
    )
    out.print(key)


@crisis_app.command()
@_friendly
def ack(
    key: str, actor: ActorOption = None, database: DatabaseOption = None, config: ConfigOption = None
) -> None:
    """Acknowledge: you have it. Stops the escalation."""
    store, _ = _open(database, config)
    changed = service.acknowledge(store, key, _actor(actor))
    _say(Phrase("%(key)s acknowledged" if changed else "%(key)s was already acknowledged", {"key": key}))


@crisis_app.command()
@_friendly
def assign(
    key: str,
    role: str,
    person: str,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Give a playbook role (owner, comms, approver, legal...) in the crisis to a person."""
    store, _ = _open(database, config)
    service.assign(store, key, role, person, _actor(actor))
    _say(Phrase("%(person)s is %(role)s of %(key)s", {"person": person, "role": Term(role), "key": key}))


@crisis_app.command()
@_friendly
def note(
    key: str,
    text: str,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a note to the timeline."""
    store, _ = _open(database, config)
    service.add_note(store, key, text, _actor(actor))
    _say(Phrase("note added to %(key)s", {"key": key}))


@crisis_app.command()
@_friendly
def status(
    key: str,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="acknowledged, responding, monitoring, resolved...")
    ],
    note_text: Annotated[str, typer.Option("--note", help="Why.")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Move the crisis along its lifecycle."""
    store, _ = _open(database, config)
    service.set_status(store, key, new_status, _actor(actor), note_text)
    _say(Phrase("%(key)s is %(status)s", {"key": key, "status": Term(new_status)}))


@crisis_app.command()
@_friendly
def step(
    key: str,
    step_id: str,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Mark a playbook step done."""
    store, _ = _open(database, config)
    service.complete_step(store, key, step_id, _actor(actor))
    _say(Phrase("step %(step)s of %(key)s done", {"step": step_id, "key": key}))


@crisis_app.command()
@_friendly
def resolve(
    key: str,
    note_text: Annotated[str, typer.Option("--note", help="Why it is over.")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Resolve the crisis."""
    store, _ = _open(database, config)
    service.resolve(store, key, _actor(actor), note_text)
    _say(Phrase("%(key)s resolved; review it with `stormwatch crisis review %(key)s`", {"key": key}))


@crisis_app.command()
@_friendly
def merge(
    source: str,
    into: str,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge crisis SOURCE into INTO (same brand): one story, one room."""
    store, _ = _open(database, config)
    service.merge(store, source, into, _actor(actor))
    _say(Phrase("%(key)s merged into %(into)s", {"key": source, "into": into}))


@crisis_app.command()
@_friendly
def split(
    key: str,
    signals: Annotated[list[int], typer.Option("--signal", help="Id of a signal to move (repeat).")],
    reason: Annotated[str, typer.Option(help="What the split-off crisis is about.")],
    cause: Annotated[str | None, typer.Option(help="Its cause, if different.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Split some signals off into a new crisis; prints its key."""
    store, workspace = _open(database, config)
    new = service.split(
        store, key, signals, actor=_actor(actor), reason=reason, cause=cause, library=_library(workspace)
    )
    out.print(new)


@crisis_app.command()
@_friendly
def draft(
    key: str,
    template: Annotated[
        str, typer.Argument(help="A template of the crisis's playbook, e.g. holding_statement.")
    ],
    lang: Annotated[
        str | None, typer.Option(help="en or pl (default: the brand's first language of these).")
    ] = None,
    values: Annotated[
        list[str] | None, typer.Option("--set", help="NAME=VALUE for a placeholder (repeat).")
    ] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Draft a public text from a template; prints the draft's number and text."""
    store, _ = _open(database, config)
    given = {}
    for item in values or []:
        name, equals, value = item.partition("=")
        if not equals:
            raise service.ResponseError("--set wants NAME=VALUE, got '%(item)s'", item=item)
        given[name.strip()] = value.strip()
    lang = lang or _brand_language(store, key)
    draft_id = drafts.draft_response(store, key, template, lang=lang, actor=_actor(actor), values=given)
    detail = next(d for d in service.crisis_detail(store, key)["drafts"] if d["id"] == draft_id)
    out.print(f"draft #{draft_id}: {detail['text']}", highlight=False)


def _brand_language(store: Store, key: str) -> str:
    """The first of the brand's languages that the playbook templates are written in (Polish, English)."""
    with store.session() as session:
        languages = service.brand_of(session, service.get_crisis(session, key)).languages or []
    return next((lang for lang in languages if lang in TEMPLATE_LANGUAGES), "en")


@crisis_app.command()
@_friendly
def approve(
    draft_id: int,
    note_text: Annotated[str, typer.Option("--note")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Approve a draft (not your own)."""
    store, _ = _open(database, config)
    drafts.approve_response(store, draft_id, _actor(actor), note_text)
    _say(
        Phrase(
            "draft #%(draft)s approved; publish it with `stormwatch crisis publish %(draft)s …`",
            {"draft": draft_id},
        )
    )


@crisis_app.command()
@_friendly
def reject(
    draft_id: int,
    note_text: Annotated[str, typer.Option("--note", help="What to fix.")],
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Send a draft back with a reason."""
    store, _ = _open(database, config)
    drafts.reject_response(store, draft_id, _actor(actor), note_text)
    _say(Phrase("draft #%(draft)s sent back: %(note)s", {"draft": draft_id, "note": note_text}))


@crisis_app.command()
@_friendly
def publish(
    draft_id: int,
    webhook: Annotated[
        str | None, typer.Option(help="Send the approved text to this apprise URL (json://, slack://...).")
    ] = None,
    where: Annotated[
        str | None, typer.Option(help="Record that you posted it yourself here (e.g. twitter).")
    ] = None,
    reference: Annotated[str | None, typer.Option("--ref", help="The post's URL or id.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Publish an approved draft through a webhook, or record where it was posted by hand."""
    store, _ = _open(database, config)
    if (webhook is None) == (where is None):
        raise service.ResponseError("give either --webhook URL or --where PLACE")
    if webhook is not None:
        drafts.publish_response(store, draft_id, WebhookPublisher(webhook), _actor(actor))
        _say(
            Phrase(
                "draft #%(draft)s published to %(target)s",
                {"draft": draft_id, "target": webhook.split("://")[0] + "://…"},
            )
        )
    else:
        drafts.record_publication(store, draft_id, str(where), _actor(actor), reference=reference)
        _say(Phrase("draft #%(draft)s recorded as posted on %(where)s", {"draft": draft_id, "where": where}))


@crisis_app.command("review")
@_friendly
def review_command(
    key: str,
    worked: Annotated[str, typer.Option(help="What worked.")] = "",
    improve: Annotated[str, typer.Option(help="What to do better.")] = "",
    lessons: Annotated[list[str] | None, typer.Option("--lesson", help="A lesson learned (repeat).")] = None,
    changes: Annotated[
        list[str] | None,
        typer.Option(
            "--change",
            help="Playbook change: set_due:STEP=MIN, add_checklist:STEP=TEXT, set_ack_within:SEV=MIN, add_step:ID=TITLE@ROLE+MIN.",
        ),
    ] = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    config: ConfigOption = None,
    language: LanguageOption = None,
) -> None:
    """Review a resolved crisis: figures from the record, your lessons, a proposed playbook change."""
    store, workspace = _open(database, config)
    parsed = [PlaybookChange.parse(spec) for spec in changes or []]
    if parsed and workspace.workspace.playbooks_dir is None:
        # The review itself must not be lost: its changes are kept as lessons to act on later.
        err.print(
            "no playbooks_dir in the workspace file (give --config FILE with one): the changes are "
            "recorded as lessons, not proposed as a playbook version",
            highlight=False,
        )
        lessons = [*(lessons or []), *(f"playbook change to make: {c.describe()}" for c in parsed)]
        parsed = []
    result = review.create_review(
        store,
        key,
        _actor(actor),
        what_worked=worked,
        what_to_improve=improve,
        lessons=lessons,
        changes=parsed,
        library=_library(workspace),
    )
    if as_json:
        _print_json(result)
        return
    locale = _language(language)
    figures = result["figures"]
    for name in said.REVIEW_FIGURES:
        out.print(said.review_figure(name, figures[name], locale), highlight=False)
    for phase, values in figures["sentiment"].items():
        out.print(said.sentiment_line(phase, values, locale), highlight=False)
    with store.session() as session:
        crisis = service.get_crisis(session, key)
        plan, severity = service.plan_of(session, crisis), crisis.severity
    for observation in review.observations(figures, plan, severity):
        out.print(f"- {observation.said_in(locale)}", highlight=False, markup=False)
    if result["playbook_change"]["path"]:
        out.print(
            said.change_line(result["playbook_change"]["path"], key, locale), highlight=False, markup=False
        )


@crisis_app.command()
@_friendly
def change(
    key: str,
    approve_change: Annotated[
        bool, typer.Option("--approve/--reject", help="Apply or drop the proposed playbook change.")
    ],
    actor: ActorOption = None,
    database: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Decide on the playbook change a review proposed."""
    store, workspace = _open(database, config)
    applied = review.decide_playbook_change(
        store, key, _actor(actor), approve=approve_change, library=_library(workspace)
    )
    _say(Phrase("applied: %(path)s", {"path": applied}) if applied else Phrase("rejected"))


@crisis_app.command()
@_friendly
def tick(database: DatabaseOption = None, config: ConfigOption = None) -> None:
    """One pass of the response clock now: playbooks, pages, escalations, overdue steps (for cron; `serve` runs it)."""
    store, workspace = _open(database, config)
    report = service.tick(store, _library(workspace))
    out.print(report)


@crisis_app.command()
@_friendly
def replies(
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    hours: Annotated[int, typer.Option(help="Look back this many hours.")] = 168,
    at: Annotated[
        str | None, typer.Option(help="Measure as of this ISO time (default: now), e.g. for a replay.")
    ] = None,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    config: ConfigOption = None,
    language: LanguageOption = None,
) -> None:
    """Customer response times: first-reply times, SLA breaches and the waiting backlog, per brand and person."""
    store, workspace = _open(database, config)
    now = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    report = reply_report(
        store,
        _workspace_id(store, workspace, config),
        brand=brand,
        since=now - timedelta(hours=hours),
        now=now,
    )
    if as_json:
        from dataclasses import asdict

        _print_json(asdict(report))
        return
    locale = _language(language)
    table = Table(*said.columns(said.REPLY_COLUMNS, locale))
    for name, stats in report.brands.items():
        backlog = ", ".join(f"{label}: {count}" for label, count in stats.backlog.items() if count)
        table.add_row(
            name,
            f"{report.sla_minutes[name]} min",
            str(stats.needing_answer),
            str(stats.answered),
            str(stats.waiting),
            str(stats.breaches),
            str(stats.median_minutes or "-"),
            str(stats.p90_minutes or "-"),
            backlog or "-",
        )
    out.print(table)
    if report.people:
        people = Table(*said.columns(said.PEOPLE_COLUMNS, locale))
        for name, person in report.people.items():
            people.add_row(name, str(person.replies), str(person.median_minutes or "-"), str(person.late))
        out.print(people)
