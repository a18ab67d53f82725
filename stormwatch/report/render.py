"""The reports as self-contained HTML: charts inlined as SVG, the logo as a data URI, A4 print CSS,
the agency's colours from the workspace file, every word in English or Polish.

Takes the dictionaries of :mod:`stormwatch.report.figures`; computes nothing new, only says it.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from stormwatch.i18n import format as fmt
from stormwatch.i18n import messages
from stormwatch.i18n.catalogue import translate
from stormwatch.report import svg
from stormwatch.report.recommend import Recommendation
from stormwatch.web.i18n import helpers
from stormwatch.workspace.config import ReportSettings

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LOGO = Path(__file__).resolve().parents[1] / "web" / "static" / "favicon.svg"
LOGO_TYPES = {"image/svg+xml", "image/png", "image/jpeg"}
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
)


class RenderError(ValueError):
    """The report cannot be drawn as asked (a logo that is not an image)."""


def logo_data_uri(path: str | None) -> str:
    """The logo inlined, so the report opens offline and survives being e-mailed."""
    file = Path(path) if path else DEFAULT_LOGO
    kind = mimetypes.guess_type(file.name)[0]
    if kind not in LOGO_TYPES:
        raise RenderError(f"{file}: the logo must be an SVG, PNG or JPEG file")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise RenderError(f"{file}: cannot read the logo: {error.strerror}") from error
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _common(locale: str, zone: ZoneInfo, branding: ReportSettings) -> dict[str, Any]:
    def day_label(moment: datetime | date) -> str:
        return str(format_date(moment, format="d MMM", locale=locale))

    def minutes(value: float | None) -> str:
        if value is None:
            return "—"
        if value < 90:
            return f"{fmt.number(round(value), locale)} min"
        return fmt.number(round(value / 60, 1), locale) + (" godz." if locale == "pl" else " h")

    def percent(value: float | None) -> str:
        return "—" if value is None else fmt.percent(value, locale)

    def long_date(value: date) -> str:
        return str(format_date(value, format="long", locale=locale))

    return helpers(locale, zone) | {
        "branding": branding,
        "logo": logo_data_uri(branding.logo),
        "day_label": day_label,
        "minutes": minutes,
        "percent": percent,
        "long_date": long_date,
        "cause_label": lambda cause: messages.label(messages.CAUSE_WORDS, cause, locale) if cause else "—",
        "kind_label": lambda kind: messages.label(messages.KIND_LABELS, kind, locale),
        "template_title": lambda name: messages.label(messages.TEMPLATE_LABELS, name, locale),
        "generated": fmt.local_datetime(datetime.now(zone), zone, locale),
    }


def _spans(crises: list[dict[str, Any]]) -> list[svg.Span]:
    return [svg.Span(c["start"], c["end"], c["id"]) for c in crises]


def render_crisis(figures: dict[str, Any], *, locale: str, branding: ReportSettings) -> str:
    zone: ZoneInfo = figures["zone"]
    context = _common(locale, zone, branding)
    _ = context["_"]
    series = figures["chart"]["series"]
    spans = _spans(figures["chart"]["crises"])
    number = context["num"]

    def share_label(value: float) -> str:
        return f"{number(round(value))} %"

    charts = {
        "volume": svg.band_chart(
            series["t"],
            series["volume"],
            series["band_low"],
            series["band_high"],
            spans,
            zone=zone,
            title=_("Posts per hour and the usual range"),
            day_label=context["day_label"],
            number=number,
        ),
        "sentiment": svg.line_chart(
            series["t"],
            series["negative_share"],
            spans=spans,
            y_max=100,
            css="negative",
            zone=zone,
            title=_("Negative share per hour"),
            day_label=context["day_label"],
            number=share_label,
        ),
        "reach": svg.line_chart(
            series["t"],
            figures["reach"],
            spans=spans,
            css="reach",
            zone=zone,
            title=_("Known reach per hour"),
            day_label=context["day_label"],
            number=_compact(locale),
        ),
        "sources": svg.share_bars(
            [(s["key"], s["percent"]) for s in figures["share"]["source"][:8]],
            title=_("Sources"),
            percent=share_label,
        ),
        "languages": svg.share_bars(
            [(s["key"], s["percent"]) for s in figures["share"]["lang"][:8]],
            title=_("Languages"),
            percent=share_label,
        ),
    }
    context |= {
        "f": figures,
        "charts": {name: Markup(text) for name, text in charts.items()},
    }  # the SVG is built here, its labels escaped
    context["step_title"] = _step_titles(figures, locale)
    return _ENVIRONMENT.get_template("crisis_report.html").render(context)


def _step_titles(figures: dict[str, Any], locale: str) -> Any:
    titles = {step["id"]: step["title"] for step in figures["response"]["steps"]}
    return lambda step_id: translate(titles.get(step_id, str(step_id).replace("_", " ")), locale)


def _compact(locale: str) -> Any:
    def say(value: float) -> str:
        if value >= 1_000_000:
            return fmt.number(round(value / 1_000_000, 1), locale) + (" mln" if locale == "pl" else "M")
        if value >= 1000:
            return fmt.number(round(value / 1000, 1), locale) + (" tys." if locale == "pl" else "k")
        return fmt.number(round(value), locale)

    return say


def say_recommendation(recommendation: Recommendation, locale: str) -> tuple[str, str]:
    """What to do and why, in ``locale``: causes and shares in the reader's words and numbers."""
    values = dict(recommendation.values)
    if "cause" in values:
        values["cause"] = messages.label(messages.CAUSE_WORDS, str(values["cause"]), locale)
    if "shares" in values:
        values["shares"] = " → ".join(fmt.percent(share, locale) for share in values["shares"])
    if "steps" in values:
        values["steps"] = ", ".join(
            f"„{translate(t, locale)}”" if locale == "pl" else f"“{t}”" for t in values["steps"]
        )
        values["counts"] = ", ".join(f"{late}/{total}" for late, total in values["counts"])
    return translate(recommendation.action, locale) % values, translate(
        recommendation.reason, locale
    ) % values


def render_review(
    figures: dict[str, Any],
    recommendations: list[Recommendation],
    drills: list[dict[str, Any]],
    *,
    locale: str,
    branding: ReportSettings,
) -> str:
    zone: ZoneInfo = figures["zone"]
    context = _common(locale, zone, branding)
    _ = context["_"]
    charts = {}
    for brand, days in figures["trends"].items():
        moments = [datetime.combine(d["day"], datetime.min.time(), tzinfo=zone) for d in days]
        opened = [
            datetime.fromisoformat(c["opened_at"].replace("Z", "+00:00")).astimezone(zone)
            for c in figures["crises"]
            if c["brand"] == brand
        ]
        charts[brand] = Markup(  # the SVG is built here, its labels escaped
            svg.daily_bars(
                moments,
                [d["mentions"] for d in days],
                [d["negative"] for d in days],
                marks=opened,
                title=_("Mentions per day"),
                day_label=context["day_label"],
                number=context["num"],
            )
        )
    voice = Markup(  # the SVG is built here, its labels escaped
        svg.share_bars(
            [(row["brand"], row["percent"]) for row in figures["share_of_voice"]],
            title=_("Share of voice"),
            percent=lambda v: f"{context['num'](v)} %",
        )
    )
    context |= {
        "f": figures,
        "charts": charts,
        "voice": voice,
        "drills": drills,
        "recommendations": [say_recommendation(r, locale) for r in recommendations],
    }
    return _ENVIRONMENT.get_template("review_report.html").render(context)
