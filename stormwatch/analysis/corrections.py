"""The team's cause corrections in the store: recorded per workspace, read back by the live pipeline.

A correction made in the product (``POST /api/cause-corrections``) is one row here and also changes the
corrected mention's stored cause. The live pipeline reloads a workspace's corrections whenever a newer
one exists (:func:`latest_correction_id` is one indexed query) and judges later mentions with
``TextAnalyzer.with_corrections`` — the corrections steer the prediction at once, nothing is retrained.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from stormwatch.analysis.cause import MAX_CORRECTIONS_PER_WORKSPACE, CauseCorrection
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.models import CAUSES, Cause
from stormwatch.ingest.models import Mention
from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import Brand, utcnow


class CauseCorrectionRecord(Base):
    """One correction of a mention's crisis cause (``cause`` NULL: "no cause fits")."""

    __tablename__ = "cause_corrections"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    mention_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("mentions.id")
    )
    text: Mapped[str] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(String(40))
    corrected_by: Mapped[str | None] = mapped_column(String(200))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CorrectionError(ValueError):
    """A correction that cannot be recorded (unknown cause or mention); the message says which."""


def record_correction(
    session: Session,
    workspace_id: int,
    *,
    brand: str,
    external_id: str,
    cause: str | None,
    source: str | None = None,
    corrected_by: str | None = None,
) -> CauseCorrectionRecord:
    """Store the correction of one mention (by brand, its id and optionally its source) and apply it.

    The mention's stored enrichment takes the corrected cause; later mentions follow it through the
    live pipeline.
    """
    if cause is not None and cause not in CAUSES:
        raise CorrectionError(f"unknown cause {cause!r}; expected one of {', '.join(CAUSES)} or null")
    query = (
        select(Mention)
        .join(Brand, Brand.id == Mention.brand_id)
        .where(Brand.workspace_id == workspace_id, Brand.name == brand, Mention.external_id == external_id)
    )
    if source is not None:
        query = query.where(Mention.source == source)
    mentions = session.scalars(query).all()
    if not mentions:
        raise CorrectionError(f"no mention {external_id!r} of brand {brand!r}")
    if len(mentions) > 1:
        raise CorrectionError(
            f"mention {external_id!r} of brand {brand!r} exists in several sources; give source"
        )
    mention = mentions[0]
    record = CauseCorrectionRecord(
        workspace_id=workspace_id,
        mention_id=mention.id,
        text=mention.text,
        cause=cause,
        corrected_by=corrected_by,
    )
    session.add(record)
    enrichment = session.get(Enrichment, mention.id)
    if enrichment is not None:
        enrichment.cause = cause
    session.flush()
    return record


def latest_correction_id(session: Session, workspace_id: int) -> int | None:
    """Id of the workspace's newest correction: a cheap "has anything changed" check."""
    latest = session.scalar(
        select(func.max(CauseCorrectionRecord.id)).where(CauseCorrectionRecord.workspace_id == workspace_id)
    )
    return None if latest is None else int(latest)


def workspace_corrections(session: Session, workspace_id: int) -> tuple[CauseCorrection, ...]:
    """The workspace's most recent corrections, oldest first; a re-corrected mention counts once, as last set."""
    rows = session.execute(
        select(CauseCorrectionRecord.mention_id, CauseCorrectionRecord.text, CauseCorrectionRecord.cause)
        .where(CauseCorrectionRecord.workspace_id == workspace_id)
        .order_by(CauseCorrectionRecord.id.desc())
        .limit(4 * MAX_CORRECTIONS_PER_WORKSPACE)
    ).all()
    latest: dict[int, CauseCorrection] = {}
    for mention_id, text, cause in rows:  # newest first: the first seen per mention wins
        latest.setdefault(mention_id, CauseCorrection(text, cast(Cause | None, cause)))
    newest_first = list(latest.values())[:MAX_CORRECTIONS_PER_WORKSPACE]
    return tuple(reversed(newest_first))
