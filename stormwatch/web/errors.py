"""Error pages (403, 404) in the reader's language, for people on the HTML side; the API keeps
answering JSON in English (its callers are programs)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from stormwatch.i18n.catalogue import translate
from stormwatch.i18n.refusal import Refusal
from stormwatch.web.i18n import helpers
from stormwatch.web.pages import TEMPLATES, _visitor_locale
from stormwatch.web.security import optional_principal

# The page's heading per status; the English is the catalogue key.
TITLES = {403: "Not allowed", 404: "Not found"}
PAGE_STATUSES = frozenset(TITLES)


def error_page(request: Request, status: int, reason: object) -> HTMLResponse:
    """``reason`` (a refusal, or an English sentence of the catalogue) said to the reader."""
    principal = optional_principal(request)
    locale = principal.locale if principal else _visitor_locale(request)
    if isinstance(reason, Refusal):
        message = reason.said_in(locale)
    else:
        message = translate(str(reason), locale) if reason else translate(TITLES[status], locale)
    context = helpers(locale, ZoneInfo("UTC")) | {
        "principal": principal,
        "workspaces": [],
        "title": TITLES[status],
        "message": message,
    }
    return TEMPLATES.TemplateResponse(request, "error.html", context, status_code=status)
