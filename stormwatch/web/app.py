"""The web app: a live dashboard page and the REST API (OpenAPI at /openapi.json, docs at /docs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.sources.api import sources_router
from stormwatch.sources.registry import Configured
from stormwatch.store.db import Store
from stormwatch.web import queries

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def create_app(
    store: Store, workspace_id: int, live: LivePipeline | None = None, sources: Configured | None = None
) -> FastAPI:
    """The app over one workspace; with ``live`` given, pushed mentions are processed at once.

    ``sources`` (the connectors built from the workspace file) adds their health and webhooks."""
    app = FastAPI(
        title="Stormwatch",
        summary="Early warning of social-media crises for brands.",
        version="0.1.0",
    )
    ingestor = MentionIngestor(store, workspace_id)
    app.include_router(sources_router(store, workspace_id, sources))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "dashboard.html", _dashboard_context())

    @app.get("/fragments/live", response_class=HTMLResponse, include_in_schema=False)
    def live_fragment(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "_live.html", _dashboard_context())

    @app.get("/crises/{key}", response_class=HTMLResponse, include_in_schema=False)
    def crisis_page(request: Request, key: str) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "crisis.html", {"crisis": _crisis_or_404(key)})

    @app.get("/api/brands", tags=["brands"])
    def list_brands() -> list[dict[str, Any]]:
        """Brands of the workspace with their mention and negative-mention counts."""
        with store.session() as session:
            return queries.brand_overview(session, workspace_id)

    @app.get("/api/mentions", tags=["mentions"])
    def list_mentions(
        brand: Annotated[str | None, Query(description="Only this brand's mentions.")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[dict[str, Any]]:
        """The newest mentions with their analysis."""
        with store.session() as session:
            return queries.latest_mentions(session, workspace_id, brand=brand, limit=limit)

    @app.post("/api/mentions", tags=["mentions"])
    def push_mentions(
        payload: Annotated[
            dict[str, Any] | list[dict[str, Any]],
            Body(description="One mention or a list: text, created_at, brand, and id, source, author..."),
        ],
    ) -> dict[str, Any]:
        """Store pushed mentions exactly once (idempotent on brand, source and id).

        Malformed records are quarantined and listed in `problems` by their position in the list;
        the others are stored. If none could be stored the answer is 422.
        """
        records = payload if isinstance(payload, list) else [payload]
        raw = [RawRecord(index, repr(record), record) for index, record in enumerate(records)]
        report = ingestor.ingest(raw, origin="api")
        problems = [{"index": p.line, "field": p.field, "error": p.error} for p in report.problems]
        if records and report.quarantined == len(records):
            raise HTTPException(
                status_code=422, detail={"message": "no record could be stored", "problems": problems}
            )
        if live is not None:
            live.run_until_idle()
        return {
            "stored": report.stored,
            "duplicates": report.duplicates,
            "quarantined": report.quarantined,
            "problems": problems,
        }

    @app.get("/api/crises", tags=["crises"])
    def list_crises(open_only: Annotated[bool, Query(alias="open")] = False) -> list[dict[str, Any]]:
        """Crises, newest first; `?open=true` for those not yet resolved."""
        with store.session() as session:
            return queries.crises(session, workspace_id, only_open=open_only)

    @app.get("/api/crises/{key}", tags=["crises"])
    def get_crisis(key: str) -> dict[str, Any]:
        """One crisis with its timeline and its example posts."""
        return _crisis_or_404(key)

    def _crisis_or_404(key: str) -> dict[str, Any]:
        with store.session() as session:
            crisis = queries.crisis_detail(session, workspace_id, key)
        if crisis is None:
            raise HTTPException(status_code=404, detail=f"no crisis {key}")
        return crisis

    def _dashboard_context() -> dict[str, Any]:
        with store.session() as session:
            return {
                "brands": queries.brand_overview(session, workspace_id),
                "crises": queries.crises(session, workspace_id),
                "mentions": queries.latest_mentions(session, workspace_id, limit=30),
            }

    return app
