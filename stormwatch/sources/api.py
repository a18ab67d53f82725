"""REST routes of the connectors: source health, and the webhook receiver."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from stormwatch.ingest.service import MentionIngestor
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.sources.checkpoints import Checkpoints
from stormwatch.sources.registry import Configured
from stormwatch.sources.webhook import Webhook, WebhookRejected
from stormwatch.store.db import Store
from stormwatch.web.schemas import Message, Problem


class WebhookResult(BaseModel):
    stored: int
    duplicates: int
    quarantined: int
    accepted: list[int] = Field(description="Positions of the records stored now or already stored before.")
    problems: list[Problem]


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes
    (from Content-Length when sent, else while it streams in), so it is never held in full."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {declared} bytes is over this webhook's limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body is over this webhook's limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def sources_router(
    store: Store,
    workspace_id: int,
    configured: Configured | None = None,
    *,
    guard: Any = None,
    window: TimeWindow = DEFAULT_WINDOW,
) -> APIRouter:
    """``guard``: a dependency that lets only the workspace's own readers see the health list
    (the web app passes its permission check; the webhooks carry their own secrets);
    ``window``: the dates delivered mentions may have (the workspace's ``[ingest]``)."""
    router = APIRouter(tags=["sources"])
    checkpoints = Checkpoints(store, workspace_id)
    ingestor = MentionIngestor(store, workspace_id, window=window)
    configured = configured or Configured()
    hooks: dict[str, Webhook] = {hook.settings.name: hook for hook in configured.webhooks}

    @router.get(
        "/api/sources",
        dependencies=[Depends(guard)] if guard is not None else [],
        responses={
            401: {"model": Message},
            403: {"model": Message},
            404: {"model": Message, "description": "another workspace's reader"},
        },
    )
    def list_sources() -> list[dict[str, Any]]:
        """Health of every source: status (ok, failing, never run, unavailable), last success,
        lag in seconds since then, newest item, last error and counts."""
        known = [(source.key, source.network, source.brand) for source in configured.sources]
        known += [(hook.key, "webhook", hook.brand) for hook in hooks.values()]
        rows = [health.as_json() for health in checkpoints.health(known)]
        rows += [
            {
                "key": f"{network}/{brand}",
                "network": network,
                "brand": brand,
                "status": "unavailable",
                "last_error": why,
            }
            for brand, network, why in configured.unavailable
        ]
        return rows

    def store_delivery(hook: Webhook, body: bytes, signature: str | None) -> dict[str, Any]:
        """Verify, parse and store one delivery: CPU and database work, so it runs in the thread
        pool, never on the event loop (a large delivery would otherwise stall every other request)."""
        try:
            hook.verify(body, signature)
            records = hook.records(body)
        except WebhookRejected as error:
            raise HTTPException(error.status, str(error)) from error
        report = ingestor.ingest(records, origin=f"source:{hook.key}", brand=hook.brand)
        checkpoints.saved(
            hook.key,
            "webhook",
            hook.brand,
            {},
            stored=report.stored,
            quarantined=report.quarantined,
            newest=None,
        )
        return {
            "stored": report.stored,
            "duplicates": report.duplicates,
            "quarantined": report.quarantined,
            "accepted": report.accepted,
            "problems": [{"index": p.line, "field": p.field, "error": p.error} for p in report.problems],
        }

    @router.post(
        "/api/webhooks/{name}",
        response_model=WebhookResult,
        responses={
            code: {"model": Message, "description": why}
            for code, why in {
                401: "bad or missing signature",
                404: "no such webhook",
                413: "delivery larger than the webhook's max_body_bytes",
                422: "body not JSON, or no list of items where configured",
                503: "the webhook's secret is not configured",
            }.items()
        },
    )
    async def receive(
        name: str,
        request: Request,
        signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
    ) -> dict[str, Any]:
        """Store the mentions a webhook delivers (exactly once), mapped by the webhook's `fields`."""
        hook = hooks.get(name)
        if hook is None:
            raise HTTPException(404, f"no webhook {name}")
        body = await read_capped(request, hook.settings.max_body_bytes)
        return await run_in_threadpool(store_delivery, hook, body, signature)

    @router.get(
        "/api/webhooks/{name}",
        response_class=PlainTextResponse,
        responses={
            403: {
                "description": "unknown webhook or wrong verify token",
                # Spelled out: with the route's text/plain answer, "model" would be filed under text/plain.
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
            }
        },
    )
    def verify_subscription(
        name: str,
        mode: Annotated[str, Query(alias="hub.mode")],
        token: Annotated[str, Query(alias="hub.verify_token")],
        challenge: Annotated[str, Query(alias="hub.challenge")],
    ) -> str:
        """Meta's webhook subscription check: echo the challenge when the verify token is the secret."""
        hook = hooks.get(name)
        if hook is None or mode != "subscribe" or hook.secret is None or token != hook.secret:
            raise HTTPException(403, "verification failed")
        return challenge

    return router
