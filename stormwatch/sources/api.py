"""REST routes of the connectors: source health, and the webhook receiver."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse

from stormwatch.ingest.service import MentionIngestor
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.sources.checkpoints import Checkpoints
from stormwatch.sources.registry import Configured
from stormwatch.sources.webhook import Webhook, WebhookRejected
from stormwatch.store.db import Store


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

    @router.get("/api/sources", dependencies=[Depends(guard)] if guard is not None else [])
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

    @router.post("/api/webhooks/{name}")
    async def receive(
        name: str,
        request: Request,
        signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
    ) -> dict[str, Any]:
        """Store the mentions a webhook delivers (exactly once), mapped by the webhook's `fields`."""
        hook = hooks.get(name)
        if hook is None:
            raise HTTPException(404, f"no webhook {name}")
        body = await request.body()
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

    @router.get("/api/webhooks/{name}", response_class=PlainTextResponse)
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
