"""Keeping the stored workspace and brands in line with the workspace file."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from stormwatch.i18n.refusal import Refusal
from stormwatch.store.db import upsert
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig, WorkspaceSettings
from stormwatch.workspace.models import Brand, Person, Workspace


class NoWorkspace(Refusal, ValueError):
    """No workspace file was given and the store does not say which workspace is meant."""


def workspace_for(session: Session, config: WorkspaceConfig | None) -> Workspace:
    """The workspace of ``config`` (stored or updated from it), else the store's only workspace.

    Without a file, guessing (or quietly creating a "Default workspace") would put mentions where
    nobody looks, so an empty store or one with several workspaces is an error naming the fix.
    """
    if config is not None:
        return apply_config(session, config)
    # A drill's sandbox workspace is never "the" workspace meant by a command without a file.
    stored = list(
        session.scalars(select(Workspace).where(Workspace.drill.is_(False)).order_by(Workspace.name))
    )
    if len(stored) == 1:
        return stored[0]
    if not stored:
        raise NoWorkspace("no workspace yet: give --config FILE (`stormwatch init FILE` writes one)")
    names = [repr(workspace.name) for workspace in stored]
    raise NoWorkspace("several workspaces (%(names)s): give --config FILE to say which", names=names)


def stored_config(session: Session) -> WorkspaceConfig:
    """The store's only workspace as a workspace file would describe it (its brands and active
    team), for `serve` and `run` without --config; raises :class:`NoWorkspace` (naming --config)
    when the store holds none or several. What only the file says (playbooks_dir, sources, the
    ingest window, [server]) takes its defaults."""
    workspace = workspace_for(session, None)
    brands = session.scalars(select(Brand).where(Brand.workspace_id == workspace.id).order_by(Brand.id))
    return WorkspaceConfig(
        workspace=WorkspaceSettings(name=workspace.name, max_brands=workspace.max_brands),
        brands=[brand_settings(brand) for brand in brands],
        people=team(session, workspace.id),
    )


def brand_names(session: Session, workspace_id: int) -> list[str]:
    return list(
        session.scalars(select(Brand.name).where(Brand.workspace_id == workspace_id).order_by(Brand.name))
    )


def apply_config(session: Session, config: WorkspaceConfig) -> Workspace:
    """Create or update the workspace and its brands from ``config``; brands not in it are kept."""
    workspace = session.scalar(select(Workspace).where(Workspace.name == config.workspace.name))
    if workspace is None:
        workspace = Workspace(name=config.workspace.name)
        session.add(workspace)
    workspace.max_brands = config.workspace.max_brands
    session.flush()
    for brand_config in config.brands:
        brand = find_brand(session, workspace.id, brand_config.name)
        if brand is None:
            brand = Brand(workspace_id=workspace.id, name=brand_config.name)
            session.add(brand)
        _copy_settings(brand_config, brand)
    _apply_people(session, workspace.id, config.people)
    session.flush()
    return workspace


def _apply_people(session: Session, workspace_id: int, people: list[PersonConfig]) -> None:
    stored = {p.name: p for p in session.scalars(select(Person).where(Person.workspace_id == workspace_id))}
    listed = {p.name for p in people}
    for config in people:
        person = stored.get(config.name)
        if person is None:
            person = Person(workspace_id=workspace_id, name=config.name)
            session.add(person)
        person.email = config.email
        person.notify_urls = list(config.notify)
        person.roles = list(config.roles)
        person.brands = list(config.brands)
        person.timezone = config.timezone
        person.quiet_hours = config.quiet_hours
        person.reply_signature = config.reply_signature
        person.active = True
    for name, person in stored.items():
        if name not in listed:
            person.active = False


def person_settings(person: Person) -> PersonConfig:
    return PersonConfig(
        name=person.name,
        email=person.email,
        notify=list(person.notify_urls),
        roles=list(person.roles),
        brands=list(person.brands),
        timezone=person.timezone,
        quiet_hours=person.quiet_hours,
        reply_signature=person.reply_signature,
    )


def team(session: Session, workspace_id: int, brand: str | None = None) -> list[PersonConfig]:
    """The active people of the workspace, in file order, limited to those working on ``brand``."""
    people = session.scalars(
        select(Person).where(Person.workspace_id == workspace_id, Person.active.is_(True)).order_by(Person.id)
    )
    return [person_settings(p) for p in people if brand is None or not p.brands or brand in p.brands]


def find_brand(session: Session, workspace_id: int, name: str) -> Brand | None:
    return session.scalar(select(Brand).where(Brand.workspace_id == workspace_id, Brand.name == name))


class BrandLimitReached(ValueError):
    """A push named a brand the workspace does not have, and it may not create more brands."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(
            f"no brand {name!r} in this workspace, and pushed mentions may create brands only "
            f"until it has {limit} (max_brands in the workspace file); add the brand there"
        )


def ensure_brand(session: Session, workspace_id: int, name: str, *, limited: bool = False) -> Brand:
    """The named brand, created with default settings when the workspace does not know it yet.

    ``limited`` (pushes): create it only while the workspace has fewer than its ``max_brands``,
    else raise :class:`BrandLimitReached`. Safe under concurrency: simultaneous first mentions of
    a brand insert it once (``ON CONFLICT DO NOTHING``, then read back), and the limit is checked
    in the insert itself, so simultaneous new brands cannot overshoot it.
    """
    brand = find_brand(session, workspace_id, name)
    if brand is not None:
        return brand
    values = _default_brand_row(workspace_id, name)
    insert = upsert(session, Brand)
    if limited:
        statement = insert.from_select(list(values), _row_if_room(session, workspace_id, values))
    else:
        statement = insert.values(values)
    session.execute(statement.on_conflict_do_nothing(index_elements=["workspace_id", "name"]))
    brand = find_brand(session, workspace_id, name)  # inserted now, or by whoever won the race
    if brand is None:
        limit = session.scalar(select(Workspace.max_brands).where(Workspace.id == workspace_id))
        raise BrandLimitReached(name, limit or 0)
    return brand


def _default_brand_row(workspace_id: int, name: str) -> dict[str, Any]:
    defaults = BrandConfig(name=name)
    return {
        "workspace_id": workspace_id,
        "name": name,
        "languages": defaults.languages,
        "keywords": defaults.keywords,
        "own_handles": defaults.own_handles,
        "trigger_terms": defaults.trigger_terms,
        "alert_urls": defaults.alert_urls,
        "reply_sla_minutes": defaults.reply_sla_minutes,
    }


def _row_if_room(session: Session, workspace_id: int, values: dict[str, Any]) -> Select[Any]:
    """``values`` as a one-row SELECT that yields no row once the workspace has its ``max_brands``."""
    # FOR UPDATE (PostgreSQL) makes new brands of one workspace wait for each other, so each
    # counts those created before it; on SQLite the INSERT … SELECT is one atomic write.
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())
    count = select(func.count(Brand.id)).where(Brand.workspace_id == workspace_id).scalar_subquery()
    most = select(Workspace.max_brands).where(Workspace.id == workspace_id).scalar_subquery()
    row = select(*[literal(value, getattr(Brand, column).type) for column, value in values.items()])
    return row.where(count < most)


def brand_settings(brand: Brand) -> BrandConfig:
    return BrandConfig(
        name=brand.name,
        languages=list(brand.languages),
        keywords=list(brand.keywords),
        own_handles=list(brand.own_handles),
        trigger_terms=list(brand.trigger_terms),
        alert_urls=list(brand.alert_urls),
        reply_sla_minutes=brand.reply_sla_minutes,
    )


def _copy_settings(source: BrandConfig, brand: Brand) -> None:
    brand.languages = list(source.languages)
    brand.keywords = list(source.keywords)
    brand.own_handles = list(source.own_handles)
    brand.trigger_terms = list(source.trigger_terms)
    brand.alert_urls = list(source.alert_urls)
    brand.reply_sla_minutes = source.reply_sla_minutes
