"""The web app: dashboard and crisis room pages, and the REST API (OpenAPI at /openapi.json, docs at /docs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from stormwatch.drill.api import DrillDriver, drills_router
from stormwatch.drill.pages import drill_pages
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.report.api import report_router
from stormwatch.sources.api import sources_router
from stormwatch.sources.registry import Configured
from stormwatch.store.db import Store
from stormwatch.web.api import build_api
from stormwatch.web.errors import PAGE_STATUSES, error_page
from stormwatch.web.limits import PushSizeLimit
from stormwatch.web.openapi import document_errors, method_not_allowed
from stormwatch.web.pages import build_pages
from stormwatch.web.security import Forbidden, NotLoggedIn, SecuritySettings, only_workspace
from stormwatch.workspace.config import ReportSettings

STATIC_DIR = Path(__file__).parent / "static"

# No inline script from elsewhere, no framing, no sniffing: the pages only load their own files.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Swagger UI starts itself with an inline script; its files are served from the package too.
DOCS_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


def create_app(
    store: Store,
    *,
    after_push: Callable[[int], object] | None = None,
    public_workspace_id: int | None = None,
    playbooks: PlaybookLibrary | None = None,
    sources: Configured | None = None,
    sources_workspace_id: int | None = None,
    window: TimeWindow = DEFAULT_WINDOW,
    trusted_proxies: Sequence[str] = (),
    report: ReportSettings | None = None,
    drills: DrillDriver | None = None,
) -> FastAPI:
    """The app over ``store``; ``after_push(workspace_id)`` runs after mentions are pushed (it should
    only wake the analysis: the push answers once the mentions are stored).

    With ``public_workspace_id`` (the demo), visitors who are not logged in see that workspace
    read-only, as a client viewer would; everyone else must log in or send an API token.
    ``sources`` (the connectors built from the workspace file of ``sources_workspace_id``) adds
    their health, for that workspace's users, and their webhooks (checked by their own secrets).
    ``window``: the dates pushed mentions may have (the workspace file's ``[ingest]``).
    Only requests from ``trusted_proxies`` (addresses or networks) may say, in X-Forwarded-For,
    which client they carry. ``drills``: what starting a drill needs (the runtime's pipelines);
    without it drills can be watched and steered but not started here.
    """
    app = FastAPI(
        title="Stormwatch",
        summary="Early warning of social-media crises for brands, and the team's response.",
        description="Every route acts in the caller's workspace only: an API token's own workspace, "
        "or the one a logged-in user has chosen. Send `Authorization: Bearer <token>`; "
        "create tokens with `stormwatch token create`.",
        version="0.1.0",
        docs_url=None,  # served below from the package, so the docs work offline too
        redoc_url=None,
    )
    app.add_middleware(PushSizeLimit)
    app.state.security = SecuritySettings(store, public_workspace_id)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    app.state.stopping = False
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    library = playbooks or PlaybookLibrary.load()
    app.include_router(build_api(store, library, after_push, window=window))
    app.include_router(build_pages(store, library))
    app.include_router(report_router(store, report or ReportSettings()))  # logo and colours: [report]
    app.include_router(drills_router(store, drills))
    app.include_router(drill_pages(store, drills))
    if sources_workspace_id is not None:
        guard = only_workspace(sources_workspace_id)
        app.include_router(sources_router(store, sources_workspace_id, sources, guard=guard, window=window))

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Stormwatch API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    document_errors(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code in PAGE_STATUSES and _wants_html(request):
            # The page looks up who is asking (the database): not on the event loop.
            return await run_in_threadpool(error_page, request, error.status_code, error.detail)
        return await method_not_allowed(request, error)

    @app.exception_handler(NotLoggedIn)
    def not_logged_in(request: Request, _: NotLoggedIn) -> Response:
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return JSONResponse(
            {"detail": "log in or send an API token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, error: Forbidden) -> Response:
        if _wants_html(request):
            return error_page(request, 403, error)
        return JSONResponse({"detail": error.message}, status_code=403)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], object]) -> Response:
        response: Response = await call_next(request)  # type: ignore[misc]
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if request.url.path == "/docs":
            response.headers["Content-Security-Policy"] = DOCS_CSP
        return response

    return app


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get(
        "accept", "text/html"
    )
