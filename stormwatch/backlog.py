"""What the live pipeline has still to do, and what it set aside: per workspace, from the store.

Read by ``stormwatch status`` and the web app (``GET /api/failed-mentions``, the dashboard's line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis
from stormwatch.crisis.service import CLOSED_STATUSES
from stormwatch.ingest.models import Mention, SetAsideMention
from stormwatch.workspace.models import Brand, Workspace


@dataclass(frozen=True, slots=True)
class WorkspaceBacklog:
    workspace_id: int
    workspace: str
    pending: int  # stored, neither analysed nor set aside
    set_aside: int
    open_crises: int


@dataclass(frozen=True, slots=True)
class SetAside:
    mention_id: int
    brand: str
    source: str
    external_id: str
    created_at: datetime
    text: str
    stage: str
    reason: str
    set_aside_at: datetime


def backlog(session: Session, workspace_id: int | None = None) -> list[WorkspaceBacklog]:
    """Every workspace's figures (or one's), in workspace order."""
    workspaces = select(Workspace.id, Workspace.name).order_by(Workspace.id)
    pending_query = (
        select(Brand.workspace_id, func.count())
        .select_from(Mention)
        .join(Brand, Brand.id == Mention.brand_id)
        .outerjoin(Enrichment, Enrichment.mention_id == Mention.id)
        .outerjoin(SetAsideMention, SetAsideMention.mention_id == Mention.id)
        .where(Enrichment.mention_id.is_(None), SetAsideMention.mention_id.is_(None))
        .group_by(Brand.workspace_id)
    )
    aside_query = select(SetAsideMention.workspace_id, func.count()).group_by(SetAsideMention.workspace_id)
    crises_query = (
        select(Crisis.workspace_id, func.count())
        .where(Crisis.status.not_in(CLOSED_STATUSES))
        .group_by(Crisis.workspace_id)
    )
    if workspace_id is not None:  # the web app asks for one tenant's: count only its rows
        workspaces = workspaces.where(Workspace.id == workspace_id)
        pending_query = pending_query.where(Brand.workspace_id == workspace_id)
        aside_query = aside_query.where(SetAsideMention.workspace_id == workspace_id)
        crises_query = crises_query.where(Crisis.workspace_id == workspace_id)
    pending: dict[int, int] = {w: n for w, n in session.execute(pending_query).all()}
    aside: dict[int, int] = {w: n for w, n in session.execute(aside_query).all()}
    crises: dict[int, int] = {w: n for w, n in session.execute(crises_query).all()}
    return [
        WorkspaceBacklog(wid, name, pending.get(wid, 0), aside.get(wid, 0), crises.get(wid, 0))
        for wid, name in session.execute(workspaces).all()
    ]


def set_aside_mentions(session: Session, workspace_id: int, limit: int = 100) -> list[SetAside]:
    """The workspace's set-aside mentions, newest first."""
    rows = session.execute(
        select(SetAsideMention, Mention, Brand.name)
        .join(Mention, Mention.id == SetAsideMention.mention_id)
        .join(Brand, Brand.id == Mention.brand_id)
        .where(SetAsideMention.workspace_id == workspace_id)
        .order_by(SetAsideMention.set_aside_at.desc(), SetAsideMention.mention_id.desc())
        .limit(limit)
    ).all()
    return [
        SetAside(
            mention_id=mention.id,
            brand=brand,
            source=mention.source,
            external_id=mention.external_id,
            created_at=mention.created_at,
            text=mention.text,
            stage=aside.stage,
            reason=aside.reason,
            set_aside_at=aside.set_aside_at,
        )
        for aside, mention, brand in rows
    ]
