"""The API's response shapes, so the OpenAPI document says exactly what comes back."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from stormwatch.auth.permissions import Action
from stormwatch.store import limits


class WorkspaceOut(BaseModel):
    id: int
    name: str
    role: str | None = Field(description="The caller's role there (null for an API token).")


class MeOut(BaseModel):
    actor: str
    workspace: WorkspaceOut
    actions: list[str] = Field(description="What the caller may do in this workspace.")
    locale: str


class BrandOut(BaseModel):
    id: int
    name: str
    mentions: int
    negative: int


class BrandQuery(BrandOut):
    """What makes a post a mention of the brand, and what makes it urgent (its alert URLs are not
    shown: they may hold webhook secrets)."""

    languages: list[str]
    keywords: list[str]
    own_handles: list[str]
    trigger_terms: list[str]
    reply_sla_minutes: int
    alert_channels: int = Field(description="How many alert URLs the brand has.")


class MentionOut(BaseModel):
    id: str = Field(description="The post's id at its source.")
    brand: str
    source: str
    author: str | None
    author_followers: int | None = Field(default=None, description="None when the source gave no count.")
    text: str
    url: str | None
    created_at: str
    lang: str | None
    sentiment: str | None = Field(description="null while the mention waits for analysis")
    sentiment_score: float | None
    cause: str | None
    duplicate_group: str | None


class MentionPage(BaseModel):
    total: int = Field(description="How many mentions match the filters.")
    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last one.")
    items: list[MentionOut]


class Problem(BaseModel):
    index: int
    field: str | None
    error: str


class PushResult(BaseModel):
    stored: int
    duplicates: int
    quarantined: int
    accepted: list[int] = Field(description="Positions of the records stored now or already stored before.")
    problems: list[Problem] = Field(description="The rejected records: position, field and reason.")


class PushRejection(BaseModel):
    message: str
    problems: list[Problem]


class PushRejected(BaseModel):
    """The answer when nothing could be stored: a body that is not JSON, or no acceptable record."""

    detail: PushRejection


class PushedMention(BaseModel):
    """One pushed mention (documentation of the request body; validation is the ingest's, so a bad
    record is rejected on its own, by position, and the others are stored)."""

    model_config = ConfigDict(extra="allow")

    text: str = Field(max_length=limits.TEXT_LENGTH, description="The post; no NUL or lone surrogates.")
    created_at: str = Field(
        description="ISO 8601; no zone means UTC. Accepted from the workspace's `[ingest] earliest` "
        "(default 2006-01-01) to `max_ahead_hours` (default 24) past the server's clock."
    )
    brand: str | None = Field(None, max_length=limits.NAME_LENGTH, description="Created when new.")
    id: str | int | None = Field(
        None, description=f"The network's id (up to {limits.ID_LENGTH} characters); derived when absent."
    )
    source: str | None = Field(
        None, max_length=limits.SOURCE_LENGTH, description="Network; default `import`."
    )
    author: str | None = Field(None, max_length=limits.AUTHOR_LENGTH)
    author_followers: int | None = Field(None, ge=0, le=limits.BIG_INTEGER_MAX)
    url: str | None = Field(None, max_length=limits.URL_LENGTH)
    lang: str | None = Field(None, max_length=limits.LANG_LENGTH)
    likes: int | None = Field(
        None, ge=0, le=limits.INTEGER_MAX, description="A whole number (1.7 is refused)."
    )
    shares: int | None = Field(None, ge=0, le=limits.INTEGER_MAX)
    comments: int | None = Field(None, ge=0, le=limits.INTEGER_MAX)
    reply_to: str | None = Field(None, max_length=limits.ID_LENGTH)


class CrisisOut(BaseModel):
    id: str
    brand: str
    opened_at: str
    severity: int
    cause: str | None
    status: str
    reason: str
    closed_at: str | None


class TimelineEntry(BaseModel):
    at: str
    kind: str
    actor: str
    message: str
    data: dict[str, Any]


class CrisisDetail(CrisisOut):
    timeline: list[TimelineEntry]
    evidence: dict[str, Any] = Field(
        description="The latest detector evidence: observed, expected, reach, terms."
    )
    examples: list[MentionOut] = Field(description="The posts the detector pointed at.")
    story: list[MentionOut] = Field(description="The story's negative posts, widest reach first.")


class ShareRow(BaseModel):
    key: str
    count: int
    percent: float


class ShareOfVoice(BaseModel):
    source: list[ShareRow]
    lang: list[ShareRow]


class CrisisBand(BaseModel):
    id: str
    severity: int
    start: float
    end: float


class BrandFigures(BaseModel):
    since: str | None = None
    until: str | None = None
    series: dict[str, list[float | None]] = Field(
        description="Hourly columns: t (unix seconds), volume, negative, expected, band_low, band_high, "
        "negative_share, positive_share."
    )
    share: ShareOfVoice
    top: list[MentionOut]
    crises: list[CrisisBand]


class AlertOut(BaseModel):
    id: int
    crisis_id: str
    brand: str
    severity: int
    channel: str
    title: str
    status: str
    attempts: int
    error: str | None
    created_at: str
    sent_at: str | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Action] = Field(min_length=1, description="What the token may do.")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: str
    last_used_at: str | None
    revoked: bool


class NewToken(TokenOut):
    token: str = Field(description="The secret; shown only now.")


class AuditOut(BaseModel):
    id: int
    at: str
    kind: str
    actor: str
    subject: str | None
    ip: str | None
    detail: dict[str, Any]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class Message(BaseModel):
    detail: str


class FieldIssue(BaseModel):
    """One reason a request did not match its declared parameters or body (FastAPI's own 422)."""

    loc: list[str | int] = Field(description="Where: body, query or path, then the field.")
    msg: str
    type: str


class NotStored(BaseModel):
    message: str
    problems: list[Problem]


class Unprocessable(BaseModel):
    """A 422: the request's shape was wrong (a list of field issues), or it was well formed but
    cannot be done (a sentence saying why; for pushed mentions, every record's problem)."""

    detail: list[FieldIssue] | NotStored | str


class Step(BaseModel):
    id: str
    title: str
    role: str
    due_at: str = Field(description="Deadline (the crisis start plus the step's minutes).")
    done_by: str | None
    done_at: str | None
    overdue: bool
    checklist: list[str]
    template: str | None


class Assignment(BaseModel):
    role: str
    person: str
    since: str | None


class Draft(BaseModel):
    id: int
    template: str
    lang: str
    text: str
    status: str = Field(description="draft, approved, rejected or published")
    drafted_by: str
    decided_by: str | None
    note: str | None
    published: list[dict[str, Any]]


class CrisisRoom(CrisisDetail):
    playbook: dict[str, Any] | None = Field(
        description="The playbook the crisis runs: name, version, digest."
    )
    assignments: list[Assignment] = Field(description="Who holds which role (owner, approver…).")
    steps: list[Step]
    pages: list[dict[str, Any]]
    drafts: list[Draft]
    review: dict[str, Any] | None


class AssignIn(BaseModel):
    role: str = Field(min_length=1, max_length=60)
    person: str = Field(min_length=1, max_length=200)


class StatusIn(BaseModel):
    status: str = Field(description="acknowledged, responding, monitoring, resolved, reviewed")
    note: str = Field(default="", max_length=5000)


class DraftIn(BaseModel):
    template: str = Field(min_length=1, max_length=60, description="A template of the crisis's playbook.")
    lang: str = Field(default="en", pattern="^(en|pl)$")
    text: str | None = Field(
        default=None, max_length=10000, description="Own wording instead of the template."
    )
    values: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict,
        max_length=20,
        description='Values of the template\'s placeholders, e.g. {"issue": "flights were cancelled"}.',
    )


class RejectIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000)


class PlaybookStep(BaseModel):
    id: str
    title: str
    role: str
    due_minutes: int


class PlaybookOut(BaseModel):
    name: str
    version: int
    title: str
    applies_to: list[str]
    summary: str
    roles: list[str]
    steps: list[PlaybookStep]
    templates: dict[str, list[str]] = Field(description="Template name -> languages.")


class ResponseTimes(BaseModel):
    since: str
    until: str
    sla_minutes: dict[str, int]
    brands: dict[str, dict[str, Any]] = Field(
        description="Per brand: needing_answer, answered, waiting, breaches, median_minutes, p90_minutes, "
        "within_sla_share, backlog by age, oldest_waiting."
    )
    people: dict[str, dict[str, Any]] = Field(description="Per team member: replies, median_minutes, late.")


class CauseCorrectionIn(BaseModel):
    """A team member's correction of one mention's crisis cause."""

    brand: str = Field(max_length=200)
    id: str = Field(max_length=200, description="The mention's id as imported (its external id).")
    source: str | None = Field(
        default=None, max_length=50, description="Needed only when the id exists in several sources."
    )
    cause: str | None = Field(
        description="communication_error, negative_review, controversial_action, account_compromise, "
        "customer_service, or null when no cause fits."
    )


class CauseCorrectionOut(BaseModel):
    correction_id: int
    cause: str | None


class SetAsideOut(BaseModel):
    """A stored mention the pipeline could not analyse or detect on, kept aside with the reason."""

    mention_id: int
    brand: str
    source: str
    id: str
    created_at: str
    text: str
    stage: str
    reason: str
    set_aside_at: str


class BacklogOut(BaseModel):
    pending: int
    set_aside: int
    open_crises: int
    items: list[SetAsideOut]
