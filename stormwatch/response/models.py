"""Tables of the response: the playbook a crisis runs, who does what, pages, texts, reviews.

Everything here hangs off a crisis; what happened and when is also written to the crisis's
append-only timeline (:class:`~stormwatch.crisis.models.CrisisEvent`), which is the record of truth
for people, while these tables are what the logic works on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime


class CrisisPlan(Base):
    """The playbook a crisis runs, frozen when attached: later edits to the file do not touch it."""

    __tablename__ = "crisis_plans"

    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), primary_key=True)
    playbook: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(16))  # of the file text, to tell edited copies apart
    source: Mapped[str] = mapped_column(String(1000))  # the file it came from
    content: Mapped[dict[str, object]] = mapped_column(JSON)  # the validated playbook
    text: Mapped[str] = mapped_column(Text)  # the file as it was, comments included
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assignment(Base):
    """A person holding a role in a crisis; reassigning ends the previous holder's row."""

    __tablename__ = "crisis_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    role: Mapped[str] = mapped_column(String(60))
    person: Mapped[str] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Page(Base):
    """A message to one person about a crisis, kept as an outbox like the brand's alerts.

    ``level`` is the position in the playbook's escalation chain (−1 for people told without an
    acknowledgement expected); the unique key makes a tick that runs twice page nobody twice.
    """

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("crisis_id", "severity", "level", "person", name="uq_page_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    severity: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(60))
    person: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the escalation clock runs from here
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResponseDraft(Base):
    """A public text for a crisis: drafted from a template, approved by someone else, then published."""

    __tablename__ = "response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    template: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved | rejected
    drafted_by: Mapped[str] = mapped_column(String(200))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class Publication(Base):
    """Where an approved text went out: a webhook, a network (through a connector), or by hand."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("response_drafts.id"))
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    target: Mapped[str] = mapped_column(String(500))  # e.g. "json://hooks.example.com", "twitter"
    reference: Mapped[str | None] = mapped_column(String(2000))  # post URL or id, when known
    text: Mapped[str] = mapped_column(Text)  # exactly what went out
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrisisLink(Base):
    """A crisis merged into another, or split off from one."""

    __tablename__ = "crisis_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # merged | split
    from_crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    to_crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrisisReview(Base):
    """The post-crisis review: figures, what worked, lessons, and the playbook change they led to."""

    __tablename__ = "crisis_reviews"

    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[dict[str, object]] = mapped_column(JSON)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_to_improve: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # The proposed new playbook file and its fate: none | proposed | applied | rejected
    change_path: Mapped[str | None] = mapped_column(String(1000))
    change_status: Mapped[str] = mapped_column(String(20), default="none")
    change_decided_by: Mapped[str | None] = mapped_column(String(200))
    change_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
