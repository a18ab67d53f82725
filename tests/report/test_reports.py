"""Both reports over a generated quarter with several crises: every figure checked against the store
with queries written here, independently of the web app's (which the reports use)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.ingest.models import Mention
from stormwatch.report.documents import crisis_html, review_html
from stormwatch.report.figures import ReportError, crisis_report_figures, review_figures
from stormwatch.report.recommend import recommend
from stormwatch.workspace.config import ReportSettings
from stormwatch.workspace.models import Brand
from tests.report.world import CRISES, LEAD_MINUTES, Quarter

WARSAW = ZoneInfo("Europe/Warsaw")
FIRST, LAST = date(2026, 1, 1), date(2026, 3, 31)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    since = datetime.combine(first, datetime.min.time(), tzinfo=WARSAW).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=WARSAW).astimezone(UTC)
    return since, until


def _counts(quarter: Quarter, brand: str, since: datetime, until: datetime) -> tuple[int, int]:
    """Mentions and negative ones of the brand in the period, straight from the mention tables."""
    with quarter.store.session() as session:
        where = (
            Brand.workspace_id == quarter.workspace_id,
            Brand.name == brand,
            Mention.created_at >= since,
            Mention.created_at < until,
        )
        total = session.scalar(select(func.count(Mention.id)).join(Brand).where(*where))
        negative = session.scalar(
            select(func.count(Mention.id))
            .join(Brand)
            .join(Enrichment, Enrichment.mention_id == Mention.id)
            .where(*where, Enrichment.sentiment == "negative")
        )
    return int(total or 0), int(negative or 0)


def test_the_review_figures_are_the_stores(quarter: Quarter) -> None:
    figures = review_figures(quarter.store, quarter.workspace_id, FIRST, LAST, now=NOW)
    since, until = _bounds(FIRST, LAST)
    assert figures["period"].since == since and figures["zone"].key == "Europe/Warsaw"
    for brand in ("Northwind Air", "Polana"):
        mentions, negative = _counts(quarter, brand, since, until)
        assert figures["totals"][brand]["mentions"] == mentions > 0
        assert figures["totals"][brand]["negative"] == negative
        assert sum(day["mentions"] for day in figures["trends"][brand]) == mentions
        assert len(figures["trends"][brand]) == 90
        assert figures["previous_totals"][brand]["mentions"] == 0  # nothing before the quarter
    shares = {row["brand"]: row["percent"] for row in figures["share_of_voice"]}
    assert sum(shares.values()) == pytest.approx(100, abs=0.2)
    summary = figures["crisis_summary"]
    assert summary["count"] == len(CRISES) == len(figures["crises"])
    assert summary["by_cause"] == {"customer_service": 3, "account_compromise": 1}
    assert summary["by_severity"] == {2: 2, 3: 2}
    acks = sorted(c[5] for c in CRISES)
    assert summary["median_minutes_to_acknowledge"] == (acks[1] + acks[2]) / 2
    assert summary["median_minutes_to_resolution"] == 360  # each was resolved six hours after opening
    replies = figures["replies"]["Northwind Air"]
    assert (replies["needing_answer"], replies["answered"], replies["breaches"]) == (90, 90, 45)


def test_a_brand_and_a_month_narrow_every_figure(quarter: Quarter) -> None:
    figures = review_figures(
        quarter.store, quarter.workspace_id, date(2026, 3, 1), date(2026, 3, 31), brand="Polana", now=NOW
    )
    since, until = _bounds(date(2026, 3, 1), date(2026, 3, 31))
    assert list(figures["totals"]) == ["Polana"]
    assert figures["totals"]["Polana"]["mentions"] == _counts(quarter, "Polana", since, until)[0]
    before = _bounds(date(2026, 1, 29), date(2026, 2, 28))
    assert figures["previous_totals"]["Polana"]["mentions"] == _counts(quarter, "Polana", *before)[0]
    assert [c["brand"] for c in figures["crises"]] == ["Polana"]
    with pytest.raises(ReportError, match="no brand 'Nobody'"):
        review_figures(quarter.store, quarter.workspace_id, FIRST, LAST, brand="Nobody")
    with pytest.raises(ReportError, match="before it starts"):
        review_figures(quarter.store, quarter.workspace_id, LAST, FIRST)


def test_recommendations_follow_from_the_figures_with_their_reasons(quarter: Quarter) -> None:
    figures = review_figures(quarter.store, quarter.workspace_id, FIRST, LAST, now=NOW)
    found = {(r.kind, str(r.values.get("cause") or r.values.get("brand"))): r for r in recommend(figures, [])}
    recurring = found[("recurring_cause", "customer_service")]
    assert recurring.values["count"] == 3
    assert ("recurring_cause", "account_compromise") not in found  # once is not a pattern
    # Polana's negative share climbs through the quarter (generated so); Northwind's is flat.
    assert ("rising_negative", "Polana") in found and ("rising_negative", "Northwind Air") not in found
    terms = {
        (r.values["brand"], r.values["term"]) for r in recommend(figures, []) if r.kind == "trigger_term"
    }
    # "refund" and "answers" burst 150 minutes before each Northwind crisis; "ordinary" is in every
    # post (no burst), "northwind" is the brand's name, and Polana's three "refund" posts are too few.
    assert terms == {("Northwind Air", "refund"), ("Northwind Air", "answers")}
    refund = found[("trigger_term", "Northwind Air")]
    assert refund.values["minutes"] == LEAD_MINUTES  # the burst's first post came this much earlier
    assert {k for k, cause in found if k == "never_drilled"} == {"never_drilled"}
    assert ("never_drilled", "account_compromise") in found
    assert recommend(figures, [{"cause": "account_compromise"}]) != recommend(figures, [])
    # Only acknowledging and publishing were done in the generated crises: the other steps were
    # late everywhere, and each step named was late in more than half of the crises that had it.
    late = found[("late_step", "None")]
    assert all(n > total / 2 for n, total in late.values["counts"]) and len(late.values["steps"]) >= 3
    every = sum(1 for n, total in late.values["counts"] if n == total == len(CRISES))
    assert every >= 1


def test_the_crisis_report_figures_are_the_stores(quarter: Quarter) -> None:
    key = quarter.keys[0]
    opened = quarter.opened[key]
    figures = crisis_report_figures(quarter.store, quarter.workspace_id, key, now=NOW)
    clock = figures["clock"]
    assert clock["minutes_to_acknowledge"] == (quarter.acknowledged[key] - opened).total_seconds() / 60
    assert clock["minutes_to_first_response"] == CRISES[0][6]
    assert clock["minutes_to_resolution"] == 360
    assert [p["template"] for p in figures["publications"]] == ["holding_statement"]
    # The chart's hours add up to the stored mentions of its window.
    window = figures["window"]
    mentions, _ = _counts(quarter, "Northwind Air", window["since"], window["until"])
    assert sum(v for v in figures["chart"]["series"]["volume"] if v is not None) == mentions
    # The widest-reaching post of the crisis is the store's.
    with quarter.store.session() as session:
        widest = session.scalar(
            select(Mention.author)
            .join(Brand)
            .where(Brand.workspace_id == quarter.workspace_id, Brand.name == "Northwind Air")
            .where(Mention.created_at >= opened, Mention.created_at < opened + timedelta(hours=7))
            .where(Mention.author != "northwindair")
            .order_by(Mention.author_followers.desc())
            .limit(1)
        )
    assert figures["top_posts"][0]["author"] == widest
    assert figures["peak_severity"] == CRISES[0][4]
    negative = figures["negative_posts"]
    assert negative and all(p["sentiment"] == "negative" and p["author"] != "northwindair" for p in negative)
    assert [p["author_followers"] for p in negative] == sorted(
        (p["author_followers"] for p in negative), reverse=True
    )


@pytest.mark.parametrize("locale", ["en", "pl"])
def test_both_reports_render_every_section_in_both_languages(quarter: Quarter, locale: str) -> None:
    branding = ReportSettings(colour="#112233", accent="#aa0011")
    html = review_html(
        quarter.store,
        quarter.workspace_id,
        FIRST,
        LAST,
        brand=None,
        locale=locale,
        branding=branding,
        now=NOW,
    )
    mentions = sum(_counts(quarter, b, *_bounds(FIRST, LAST))[0] for b in ("Northwind Air", "Polana"))
    shown = f"{mentions:,}".replace(",", "\xa0" if locale == "pl" else ",")
    assert shown in html and "#112233" in html and "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from outside
    words = {
        "en": ("Summary", "Recommendations", "No drills were run in the period.", "Share of voice"),
        "pl": (
            "Podsumowanie",
            "Rekomendacje",
            "W tym okresie nie przeprowadzono żadnych ćwiczeń.",
            "Udział w rozmowach",
        ),
    }[locale]
    assert all(word in html for word in words)
    report = crisis_html(
        quarter.store, quarter.workspace_id, quarter.keys[2], locale=locale, branding=branding, now=NOW
    )
    assert ("Podsumowanie" if locale == "pl" else "Summary") in report
    assert len(re.findall("<svg", report)) == 5  # volume, sentiment, reach, sources, languages
    assert "Lesson 2" in report


def test_an_unknown_crisis_is_a_clear_error(quarter: Quarter) -> None:
    with pytest.raises(ReportError, match="no crisis 'nope'"):
        crisis_report_figures(quarter.store, quarter.workspace_id, "nope")


def test_every_word_of_the_reports_is_said_in_polish() -> None:
    from pathlib import Path

    from stormwatch.i18n.catalogue import has
    from stormwatch.report.recommend import MESSAGES

    literal = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")
    folder = Path(__file__).resolve().parents[2] / "stormwatch" / "report" / "templates"
    found = {m.group(2) for path in folder.glob("*.html") for m in literal.finditer(path.read_text())}
    found |= {text for pair in MESSAGES for text in pair}
    found |= {"Mentions per day", "Known reach per hour", "Negative share per hour", "%(num)d crisis"}
    assert len(found) > 80
    assert not sorted(text for text in found if not has(text, "pl"))


def test_the_drills_run_in_the_period_reach_the_review(quarter: Quarter) -> None:
    """The review's drill section and its "never drilled" advice read the drills' own history."""
    from stormwatch.drill.models import DrillRun
    from stormwatch.report.drills import drills_run

    in_period, before = datetime(2026, 2, 10, 9, tzinfo=UTC), datetime(2025, 11, 3, 9, tzinfo=UTC)
    with quarter.store.session() as session:
        rows = [
            DrillRun(
                workspace_id=quarter.workspace_id, source_workspace_id=quarter.workspace_id,
                scenario=scenario, scenario_text="", brand="Polana", status="stopped", clock={},
                origin=at, started_at=at, ended_at=at, started_by="trainer@example.com",
                journal={}, scorecard={"cause": cause, "score": score, "measures": []},
            )
            for scenario, cause, at, score in (
                ("leak_pl", "account_compromise", in_period, 71.5),
                ("slow_replies", "customer_service", before, 40.0),
            )
        ]  # fmt: skip
        session.add_all(rows)
        session.commit()
        ids = [row.id for row in rows]
    try:
        since, until = _bounds(FIRST, LAST)
        assert [d["cause"] for d in drills_run(quarter.store, quarter.workspace_id, since, until)] == [
            "account_compromise"
        ]
        html = review_html(
            quarter.store, quarter.workspace_id, FIRST, LAST, brand=None, locale="en",
            branding=ReportSettings(), now=NOW,
        )  # fmt: skip
        assert "No drills were run in the period." not in html and "71.5" in html
        figures = review_figures(quarter.store, quarter.workspace_id, FIRST, LAST, now=NOW)
        ever = drills_run(quarter.store, quarter.workspace_id, None, until)
        kinds = {(r.kind, r.values.get("cause")) for r in recommend(figures, ever)}
        assert ("never_drilled", "account_compromise") not in kinds
        assert ("never_drilled", "customer_service") not in kinds  # drilled before the period counts
    finally:
        with quarter.store.session() as session:
            for row_id in ids:
                session.delete(session.get(DrillRun, row_id))
            session.commit()
