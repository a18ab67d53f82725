"""``GET /api/reports/...``: the crisis report and the review as HTML or PDF, for the caller's workspace."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from stormwatch.auth.service import Principal
from stormwatch.report.documents import as_format, crisis_html, review_html
from stormwatch.report.figures import ReportError
from stormwatch.report.pdf import PdfUnavailable
from stormwatch.report.render import RenderError
from stormwatch.store.db import Store
from stormwatch.web import schemas
from stormwatch.web.security import require
from stormwatch.workspace.config import ReportSettings

Reader = Annotated[Principal, Depends(require("read"))]
FormatQuery = Annotated[Literal["html", "pdf"], Query(alias="format", description="html or pdf")]
LanguageQuery = Annotated[
    Literal["en", "pl"] | None, Query(description="en or pl (default: the caller's language)")
]
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "The report: a self-contained HTML page, or an A4 PDF.",
    },
    404: {"model": schemas.Message},
    503: {"model": schemas.Message, "description": "PDF output is not installed on this server."},
}


def report_router(store: Store, branding: ReportSettings) -> APIRouter:
    api = APIRouter(
        prefix="/api/reports",
        tags=["reports"],
        responses={401: {"model": schemas.Message}, 403: {"model": schemas.Message}},
    )

    def answer(html: str, output: Literal["html", "pdf"], name: str) -> Response:
        try:
            data = as_format(html, output)
        except PdfUnavailable as error:
            raise HTTPException(503, str(error)) from error
        disposition = f"attachment; filename*=UTF-8''{quote(name)}.{output}" if output == "pdf" else "inline"
        return Response(data, media_type=MEDIA[output], headers={"Content-Disposition": disposition})

    @api.get("/crises/{key}", response_class=Response, responses=DOCUMENT)
    def crisis_report(
        principal: Reader, key: str, output: FormatQuery = "html", language: LanguageQuery = None
    ) -> Response:
        """The report of one crisis: summary, charts, top posts, the response, the review's lessons."""
        locale = language or principal.locale
        try:
            html = crisis_html(store, principal.workspace_id, key, locale=locale, branding=branding)
        except ReportError as error:
            # Not the key back: the answer must read the same whether the crisis is elsewhere or nowhere.
            raise HTTPException(404, "no such crisis in this workspace") from error
        except RenderError as error:
            raise HTTPException(503, str(error)) from error
        return answer(html, output, f"crisis-{key}-{locale}")

    @api.get("/review", response_class=Response, responses=DOCUMENT)
    def review_report(
        principal: Reader,
        first: Annotated[date, Query(alias="from", description="First day (the workspace's time zone)")],
        last: Annotated[date, Query(alias="to", description="Last day, included")],
        brand: Annotated[str | None, Query(max_length=200, description="One brand (default: all)")] = None,
        output: FormatQuery = "html",
        language: LanguageQuery = None,
    ) -> Response:
        """The review of a period: trends against the previous period, crises, replies, drills and
        recommendations with their reasons."""
        if last < first or (last - first).days > 366:
            raise HTTPException(422, "'to' must be on or after 'from', at most a year later")
        locale = language or principal.locale
        try:
            html = review_html(
                store, principal.workspace_id, first, last, brand=brand, locale=locale, branding=branding
            )
        except ReportError as error:
            raise HTTPException(404, str(error)) from error
        except RenderError as error:
            raise HTTPException(503, str(error)) from error
        return answer(html, output, f"review-{first}-{last}-{locale}")

    return api
