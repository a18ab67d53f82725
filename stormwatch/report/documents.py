"""The two reports as documents (HTML text or PDF bytes), for the CLI, the REST API and the schedule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from stormwatch.report.drills import drills_run
from stormwatch.report.figures import crisis_report_figures, review_figures
from stormwatch.report.recommend import recommend
from stormwatch.report.render import render_crisis, render_review
from stormwatch.store.db import Store
from stormwatch.workspace.config import ReportSettings

Format = Literal["html", "pdf"]


def crisis_html(
    store: Store,
    workspace_id: int,
    key: str,
    *,
    locale: str,
    branding: ReportSettings,
    now: datetime | None = None,
) -> str:
    figures = crisis_report_figures(store, workspace_id, key, now)
    return render_crisis(figures, locale=locale, branding=branding)


def review_html(
    store: Store,
    workspace_id: int,
    first: date,
    last: date,
    *,
    brand: str | None,
    locale: str,
    branding: ReportSettings,
    now: datetime | None = None,
) -> str:
    figures = review_figures(store, workspace_id, first, last, brand=brand, now=now)
    period = figures["period"]
    drills = drills_run(store, workspace_id, period.since, period.until, brand)
    # "never drilled" means never, not just "not in this period"
    ever = drills_run(store, workspace_id, None, period.until, brand)
    return render_review(figures, recommend(figures, ever), drills, locale=locale, branding=branding)


def as_format(html: str, output: Format) -> bytes:
    if output == "html":
        return html.encode("utf-8")
    from stormwatch.report.pdf import html_to_pdf

    return html_to_pdf(html)
