"""The REST API: every route acts for the caller's workspace only (see :mod:`stormwatch.web.security`)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from stormwatch.analysis.corrections import CorrectionError, record_correction
from stormwatch.auth.models import ApiToken
from stormwatch.auth.service import AuthError, Principal, audit_log, create_token, memberships, revoke_token
from stormwatch.backlog import SetAside, backlog, set_aside_mentions
from stormwatch.ingest.jsontext import JsonInputError, loads
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import IngestReport, MentionIngestor
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.service import acting_in
from stormwatch.store.db import Store
from stormwatch.web import actions, charts, queries, schemas
from stormwatch.web.limits import MAX_PUSH_BYTES, MAX_PUSH_RECORDS, too_many_records
from stormwatch.web.security import require
from stormwatch.web.stream import event_stream
from stormwatch.workspace.models import Brand

Reader = Annotated[Principal, Depends(require("read"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Act = Annotated[Principal, Depends(require("crises:act"))]
Manage = Annotated[Principal, Depends(require("crises:manage"))]


def crisis_room(store: Store, principal: Principal, key: str) -> dict[str, Any]:
    """The crisis as the crisis room shows it; 404 unless it is the caller's workspace's."""
    with store.session() as session:
        crisis = queries.crisis_detail(session, principal.workspace_id, key)
    if crisis is None:
        raise HTTPException(404, "no such crisis in this workspace")
    with acting_in(principal.workspace_id):
        return crisis | actions.response_view(store, key)


MAX_PAGE = 500


def _iso_8601(value: object) -> object:
    # pydantic also reads numbers ("0.5") as Unix times; the document promises ISO 8601 only.
    if isinstance(value, str) and not ISO_DATE_START.match(value):
        raise ValueError("give an ISO 8601 time with a zone, e.g. 2026-11-25T10:00:00Z")
    return value


ISO_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_8601)]
# Row ids are 64-bit at most in every database the store supports.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def pushed_records(body: bytes) -> list[RawRecord]:
    """The records of a ``POST /api/mentions`` body (one object or a list), each by its position."""
    try:
        payload = loads(body)
    except JsonInputError as error:
        raise HTTPException(422, detail={"message": f"body: {error}", "problems": []}) from error
    records = payload if isinstance(payload, list) else [payload]
    return [_pushed(index, record) for index, record in enumerate(records)]


def _pushed(index: int, record: Any) -> RawRecord:
    if not isinstance(record, dict):
        raw_text = json.dumps(record, ensure_ascii=False)
        return RawRecord(index, raw_text, None, f"expected a JSON object, got {type(record).__name__}")
    return RawRecord(index, "", record)  # written as JSON only if it is quarantined (RawRecord.text)


_PUSHED_MENTION = schemas.PushedMention.model_json_schema()
PUSH_BODY = {
    "required": True,
    "description": "One mention or a list of them.",
    "content": {
        "application/json": {
            "schema": {"anyOf": [_PUSHED_MENTION, {"type": "array", "items": _PUSHED_MENTION}]}
        }
    },
}


def build_api(
    store: Store, library: PlaybookLibrary, after_push: Any = None, *, window: TimeWindow = DEFAULT_WINDOW
) -> APIRouter:
    """The API routes over ``store``; ``after_push`` runs after mentions are stored (the live pipeline);
    ``window``: the dates pushed mentions may have."""
    api = APIRouter(
        prefix="/api", responses={401: {"model": schemas.Message}, 403: {"model": schemas.Message}}
    )

    # One ingestor per workspace for the app's life: it remembers the brands' ids, so that a push does
    # not look its brands up again (a session per brand per push; brands are never deleted).
    ingestors: dict[int, MentionIngestor] = {}

    def accept_push(workspace_id: int, body: bytes) -> tuple[list[RawRecord], IngestReport]:
        records = pushed_records(body)
        if len(records) > MAX_PUSH_RECORDS:
            raise HTTPException(413, too_many_records(len(records)))
        ingestor = ingestors.get(workspace_id)
        if ingestor is None:
            ingestor = ingestors[workspace_id] = MentionIngestor(
                store, workspace_id, window=window, limit_brands=True
            )
        return records, ingestor.ingest(records, origin="api")

    @api.get("/me", tags=["workspaces"], response_model=schemas.MeOut)
    def me(principal: Reader) -> dict[str, Any]:
        """Who the caller is, the workspace they act in and what they may do there."""
        with store.session() as session:
            found = queries.workspace(session, principal.workspace_id)
        return {
            "actor": principal.actor,
            "workspace": found | {"role": principal.role},
            "actions": sorted(principal.actions),
            "locale": principal.locale,
        }

    @api.get("/workspaces", tags=["workspaces"], response_model=list[schemas.WorkspaceOut])
    def list_workspaces(principal: Reader) -> list[dict[str, Any]]:
        """Workspaces the caller belongs to (a token: its own one)."""
        with store.session() as session:
            if principal.user_id is None:
                return [queries.workspace(session, principal.workspace_id) | {"role": principal.role}]
            return [
                {"id": found.id, "name": found.name, "role": role}
                for found, role in memberships(session, principal.user_id)
            ]

    @api.get("/brands", tags=["brands"], response_model=list[schemas.BrandOut])
    def list_brands(principal: Reader) -> list[dict[str, Any]]:
        """Brands of the workspace with their mention and negative-mention counts."""
        with store.session() as session:
            return queries.brand_overview(session, principal.workspace_id)

    @api.get(
        "/brands/{brand_id}",
        tags=["brands"],
        response_model=schemas.BrandQuery,
        responses={404: {"model": schemas.Message}},
    )
    def brand_query(principal: Reader, brand_id: RowId) -> dict[str, Any]:
        """The brand's query: languages, keywords, own handles, trigger terms and reply SLA."""
        with store.session() as session:
            overview = next(
                (b for b in queries.brand_overview(session, principal.workspace_id) if b["id"] == brand_id),
                None,
            )
            brand = session.get(Brand, brand_id)
            if overview is None or brand is None:
                raise HTTPException(404, "no such brand in this workspace")
            return overview | {
                "languages": brand.languages,
                "keywords": brand.keywords,
                "own_handles": brand.own_handles,
                "trigger_terms": brand.trigger_terms,
                "reply_sla_minutes": brand.reply_sla_minutes,
                "alert_channels": len(brand.alert_urls),
            }

    @api.get(
        "/brands/{brand_id}/figures",
        tags=["brands"],
        response_model=schemas.BrandFigures,
        responses={404: {"model": schemas.Message}},
    )
    def brand_figures(
        principal: Reader, brand_id: RowId, days: Annotated[int, Query(ge=1, le=92)] = 7
    ) -> dict[str, Any]:
        """Hourly volume and sentiment with the baseline band, crises, share of voice and top posts,
        over the `days` before the brand's newest mention."""
        with store.session() as session:
            if queries.brand_id(session, principal.workspace_id, brand_id) is None:
                raise HTTPException(404, "no such brand in this workspace")
            return charts.brand_figures(session, brand_id, days)

    @api.get("/mentions", tags=["mentions"], response_model=schemas.MentionPage)
    def search_mentions(
        principal: Reader,
        brand: Annotated[str | None, Query(description="Only this brand's mentions.")] = None,
        q: Annotated[
            str | None, Query(description="Words that must all appear in the text.", max_length=200)
        ] = None,
        sentiment: Annotated[str | None, Query(pattern="^(negative|neutral|positive)$")] = None,
        cause: Annotated[str | None, Query(max_length=40)] = None,
        lang: Annotated[str | None, Query(max_length=8, description="ISO 639-1")] = None,
        source: Annotated[str | None, Query(max_length=50)] = None,
        since: Annotated[
            Moment | None, Query(description="Created at or after (ISO 8601, with a zone).")
        ] = None,
        until: Annotated[Moment | None, Query(description="Created before (ISO 8601, with a zone).")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        """Search the workspace's mentions, newest first, one page at a time."""
        where = queries.MentionFilter(
            brand=brand,
            q=q,
            sentiment=sentiment,
            cause=cause,
            lang=lang,
            source=source,
            since=since,
            until=until,
        )
        with store.session() as session:
            total, items = queries.search_mentions(
                session, principal.workspace_id, where, limit=limit, offset=offset
            )
        next_offset = offset + limit if offset + limit < total else None
        return {"total": total, "offset": offset, "limit": limit, "next_offset": next_offset, "items": items}

    @api.post(
        "/mentions",
        tags=["mentions"],
        response_model=schemas.PushResult,
        status_code=202,
        responses={
            422: {"model": schemas.PushRejected},
            413: {
                "description": f"More than {MAX_PUSH_RECORDS} records, or a body over "
                f"{MAX_PUSH_BYTES:,} bytes: split the push into smaller requests."
            },
        },
        openapi_extra={"requestBody": PUSH_BODY},
    )
    async def push_mentions(
        principal: Annotated[Principal, Depends(require("mentions:write"))], request: Request
    ) -> dict[str, Any]:
        """Store pushed mentions exactly once (idempotent on brand, source and id); 202 Accepted.

        Stored mentions are analysed in the background, soon after (they appear in `GET /api/mentions`
        with their sentiment then; see `GET /api/failed-mentions` for any the pipeline set aside).
        Each record is validated on its own (lengths, whole numbers, characters, the date window:
        README "Input limits"): the acceptable ones are stored and listed in `accepted`, the others
        quarantined and listed in `problems`, both by their position in the list. If none could be
        stored, or the body is not JSON (or nests deeper than 64 levels), the answer is 422. A brand
        the workspace does not have is created, until the workspace has its `max_brands` (100 unless
        the workspace file says otherwise); mentions of further new brands are refused in `problems`.
        """
        # The body is read here rather than by FastAPI, whose parser turns a deeply nested body
        # into a vague 400 and a list with one non-object into a 422 for the whole request.
        try:
            body = await request.body()
        except RuntimeError as error:  # read as a form already (a browser's CSRF check): not JSON
            raise HTTPException(422, detail={"message": "body: expected JSON", "problems": []}) from error
        # Read and stored in a worker thread: reading a batch in the event loop held up every
        # other request (and their answers) for as long.
        records, report = await run_in_threadpool(accept_push, principal.workspace_id, body)
        problems = [{"index": p.line, "field": p.field, "error": p.error} for p in report.problems]
        if records and report.quarantined == len(records):
            raise HTTPException(422, detail={"message": "no record could be stored", "problems": problems})
        if after_push is not None:
            await run_in_threadpool(after_push, principal.workspace_id)
        return {
            "stored": report.stored,
            "duplicates": report.duplicates,
            "quarantined": report.quarantined,
            "accepted": report.accepted,
            "problems": problems,
        }

    @api.get("/failed-mentions", tags=["mentions"], response_model=schemas.BacklogOut)
    def failed_mentions(
        principal: Reader,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many, newest first.")] = 100,
    ) -> dict[str, Any]:
        """Mentions the pipeline set aside (analysis or detection failed on them), with the reason,
        beside the workspace's backlog still to analyse and its open crises."""
        with store.session() as session:
            figures = backlog(session, principal.workspace_id)[0]
            items = set_aside_mentions(session, principal.workspace_id, limit)
        return {
            "pending": figures.pending,
            "set_aside": figures.set_aside,
            "open_crises": figures.open_crises,
            "items": [_set_aside_view(item) for item in items],
        }

    @api.post(
        "/cause-corrections",
        tags=["mentions"],
        status_code=201,
        response_model=schemas.CauseCorrectionOut,
        responses={422: {"model": schemas.Unprocessable}},
    )
    def correct_cause(principal: Act, correction: schemas.CauseCorrectionIn) -> dict[str, Any]:
        """Correct a mention's crisis cause (null: no cause fits).

        The mention's stored cause changes at once, and later mentions of this workspace that resemble
        it follow the correction (no retraining; other workspaces are not affected).
        """
        try:
            with store.session() as session:
                record = record_correction(
                    session,
                    principal.workspace_id,
                    brand=correction.brand,
                    external_id=correction.id,
                    source=correction.source,
                    cause=correction.cause,
                    corrected_by=principal.actor,
                )
                return {"correction_id": record.id, "cause": record.cause}
        except CorrectionError as error:
            raise HTTPException(422, str(error)) from error

    @api.get(
        "/events",
        tags=["live"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
    )
    def live_events(request: Request, principal: Reader) -> StreamingResponse:
        """Server-sent events: `mention` (each newly analysed mention) and `crisis` (opened,
        escalated, acknowledged… any timeline entry). Reconnects resume after `Last-Event-ID`."""
        return StreamingResponse(
            event_stream(request, store, principal.workspace_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @api.get("/crises", tags=["crises"], response_model=list[schemas.CrisisOut])
    def list_crises(
        principal: Reader, open_only: Annotated[bool, Query(alias="open")] = False
    ) -> list[dict[str, Any]]:
        """Crises, newest first; `?open=true` for those not yet resolved."""
        with store.session() as session:
            return queries.crises(session, principal.workspace_id, only_open=open_only)

    @api.get(
        "/crises/{key}",
        tags=["crises"],
        response_model=schemas.CrisisRoom,
        responses={404: {"model": schemas.Message}},
    )
    def get_crisis(principal: Reader, key: str) -> dict[str, Any]:
        """One crisis: evidence, timeline, example and story posts, playbook steps with deadlines,
        owners, pages and reply drafts."""
        return crisis_room(store, principal, key)

    refused: dict[int | str, dict[str, Any]] = {
        404: {"model": schemas.Message},
        409: {"model": schemas.Message},
    }

    @api.post(
        "/crises/{key}/acknowledge", tags=["crises"], response_model=schemas.CrisisOut, responses=refused
    )
    def acknowledge(principal: Act, key: str) -> dict[str, Any]:
        """Take the crisis: it moves from detected to acknowledged, escalation stops, and the first
        to acknowledge becomes its owner if it has none."""
        return _act(principal, key, lambda: actions.acknowledge(store, principal, key))

    @api.post("/crises/{key}/notes", tags=["crises"], response_model=schemas.CrisisOut, responses=refused)
    def add_note(principal: Act, key: str, note: schemas.NoteIn) -> dict[str, Any]:
        """Add a note to the crisis's timeline."""
        return _act(principal, key, lambda: actions.add_note(store, principal, key, note.text))

    @api.post(
        "/crises/{key}/steps/{step_id}/done",
        tags=["crises"],
        response_model=schemas.CrisisOut,
        responses=refused,
    )
    def complete_step(principal: Act, key: str, step_id: str) -> dict[str, Any]:
        """Tick off a step of the crisis's playbook."""
        return _act(principal, key, lambda: actions.complete_step(store, principal, key, step_id))

    @api.post(
        "/crises/{key}/assignments", tags=["crises"], response_model=schemas.CrisisOut, responses=refused
    )
    def assign(principal: Manage, key: str, body: schemas.AssignIn) -> dict[str, Any]:
        """Give a playbook role (owner, approver…) in the crisis to a person of the team."""
        return _act(principal, key, lambda: actions.assign(store, principal, key, body.role, body.person))

    @api.post("/crises/{key}/status", tags=["crises"], response_model=schemas.CrisisOut, responses=refused)
    def set_status(principal: Manage, key: str, body: schemas.StatusIn) -> dict[str, Any]:
        """Move the crisis along its lifecycle (detected → acknowledged → responding → monitoring →
        resolved → reviewed)."""
        return _act(principal, key, lambda: actions.set_status(store, principal, key, body.status, body.note))

    @api.post(
        "/crises/{key}/drafts",
        tags=["replies"],
        response_model=schemas.Draft,
        status_code=201,
        responses=refused,
    )
    def new_draft(principal: Act, key: str, body: schemas.DraftIn) -> dict[str, Any]:
        """Draft a reply or statement from a template of the crisis's playbook (or in own words).
        Someone else must approve it."""
        made: list[int] = []
        _act(
            principal,
            key,
            lambda: made.append(
                actions.draft(store, principal, key, body.template, body.lang, body.text, body.values)
            ),
        )
        return _draft_view(principal, key, made[0])

    @api.post("/drafts/{draft_id}/approve", tags=["replies"], response_model=schemas.Draft, responses=refused)
    def approve(principal: Manage, draft_id: RowId) -> dict[str, Any]:
        """Approve a draft; the one who drafted it cannot (four-eyes rule)."""
        key = _draft_key(principal, draft_id)
        _act(principal, key, lambda: actions.approve(store, principal, draft_id))
        return _draft_view(principal, key, draft_id)

    @api.post("/drafts/{draft_id}/reject", tags=["replies"], response_model=schemas.Draft, responses=refused)
    def reject(principal: Manage, draft_id: RowId, body: schemas.RejectIn) -> dict[str, Any]:
        """Send a draft back with the reason."""
        key = _draft_key(principal, draft_id)
        _act(principal, key, lambda: actions.reject(store, principal, draft_id, body.note))
        return _draft_view(principal, key, draft_id)

    def _draft_key(principal: Principal, draft_id: int) -> str:
        key = actions.crisis_of_draft(store, principal.workspace_id, draft_id)
        if key is None:
            raise HTTPException(404, "no such draft in this workspace")
        return key

    def _draft_view(principal: Principal, key: str, draft_id: int) -> dict[str, Any]:
        # In the caller's workspace: keys are unique per workspace only (a drill's copy has the same).
        with acting_in(principal.workspace_id):
            return next(d for d in actions.response_view(store, key)["drafts"] if d["id"] == draft_id)

    def _act(principal: Principal, key: str, action: Any) -> dict[str, Any]:
        with store.session() as session:
            if queries.find_crisis(session, principal.workspace_id, key) is None:
                raise HTTPException(404, "no such crisis in this workspace")
        try:
            with acting_in(principal.workspace_id):
                action()
        except actions.ActionError as error:
            raise HTTPException(409, str(error)) from error
        with store.session() as session:
            found = queries.find_crisis(session, principal.workspace_id, key)
            assert found is not None
            return queries.crisis_view(*found)

    @api.get("/playbooks", tags=["playbooks"], response_model=list[schemas.PlaybookOut])
    def list_playbooks(principal: Reader) -> list[dict[str, Any]]:
        """The playbooks in force: one per crisis cause and a generic one."""
        return actions.playbooks(library)

    @api.get("/response-times", tags=["replies"], response_model=schemas.ResponseTimes)
    def response_times(
        principal: Reader,
        brand: Annotated[str | None, Query(max_length=200)] = None,
        days: Annotated[int, Query(ge=1, le=92)] = 7,
    ) -> dict[str, Any]:
        """First-reply times to customers, SLA breaches and the backlog, per brand and team member,
        over the `days` before the workspace's newest mention."""
        with store.session() as session:
            until = queries.latest_mention_at(session, principal.workspace_id)
        return actions.response_times(store, principal.workspace_id, brand, days, until)

    @api.get("/alerts", tags=["alerts"], response_model=list[schemas.AlertOut])
    def list_alerts(
        principal: Reader, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100
    ) -> list[dict[str, Any]]:
        """Alerts sent (or waiting, or failed) for the workspace's crises, newest first."""
        with store.session() as session:
            return queries.alerts(session, principal.workspace_id, limit=limit)

    @api.get("/tokens", tags=["security"], response_model=list[schemas.TokenOut])
    def list_tokens(principal: Admin) -> list[dict[str, Any]]:
        """The workspace's API tokens (never their secrets)."""
        with store.session() as session:
            tokens = session.scalars(
                select(ApiToken).where(ApiToken.workspace_id == principal.workspace_id).order_by(ApiToken.id)
            )
            return [_token_view(token) for token in tokens]

    @api.post(
        "/tokens",
        tags=["security"],
        response_model=schemas.NewToken,
        status_code=201,
        responses={422: {"model": schemas.Unprocessable}},
    )
    def new_token(principal: Admin, request: Request, body: schemas.TokenIn) -> dict[str, Any]:
        """Create an API token for this workspace; the secret is in the answer and nowhere else."""
        with store.session() as session:
            try:
                secret, token = create_token(
                    session,
                    principal.workspace_id,
                    body.name,
                    [str(s) for s in body.scopes],
                    actor=principal.actor,
                )
            except (AuthError, ValueError) as error:
                raise HTTPException(422, str(error)) from error
            return _token_view(token) | {"token": secret}

    @api.delete(
        "/tokens/{token_id}", tags=["security"], status_code=204, responses={404: {"model": schemas.Message}}
    )
    def delete_token(principal: Admin, token_id: RowId) -> None:
        """Revoke a token of this workspace."""
        with store.session() as session:
            if not revoke_token(session, principal.workspace_id, token_id, actor=principal.actor):
                raise HTTPException(404, "no such active token in this workspace")

    @api.get("/audit", tags=["security"], response_model=list[schemas.AuditOut])
    def list_audit(
        principal: Admin, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100
    ) -> list[dict[str, Any]]:
        """The workspace's security events, newest first."""
        with store.session() as session:
            return [
                {
                    "id": event.id,
                    "at": queries.iso(event.at),
                    "kind": event.kind,
                    "actor": event.actor,
                    "subject": event.subject,
                    "ip": event.ip,
                    "detail": event.detail,
                }
                for event in audit_log(session, principal.workspace_id, limit)
            ]

    return api


def _set_aside_view(item: SetAside) -> dict[str, Any]:
    return {
        "mention_id": item.mention_id,
        "brand": item.brand,
        "source": item.source,
        "id": item.external_id,
        "created_at": item.created_at.isoformat(),
        "text": item.text,
        "stage": item.stage,
        "reason": item.reason,
        "set_aside_at": item.set_aside_at.isoformat(),
    }


def _token_view(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "created_by": token.created_by,
        "created_at": queries.iso(token.created_at),
        "last_used_at": queries.iso(token.last_used_at) if token.last_used_at else None,
        "revoked": token.revoked_at is not None,
    }
