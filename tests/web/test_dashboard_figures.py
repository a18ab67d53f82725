"""The dashboard's figures tell the truth in the cases a new agency met first (issue 23, item 9).

Few hours of data still span the chosen window; the brand's own account is not a "top post";
the live feed shows the chosen brand; a crisis that eased shows the peak its reason speaks of.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stormwatch.crisis.service import record_update
from stormwatch.ingest.models import Mention
from stormwatch.store.db import Store
from stormwatch.web import charts, queries
from stormwatch.workspace.models import Brand, Workspace

from .world import START, Tenant, _opened

STATIC = Path(__file__).resolve().parents[2] / "stormwatch" / "web" / "static"


def test_two_hours_of_data_still_span_the_seven_day_window() -> None:
    until = datetime(2026, 3, 9, tzinfo=UTC)
    since = until - timedelta(days=7)
    hourly = {until - timedelta(hours=2): (4, 1, 2), until - timedelta(hours=1): (6, 3, 1)}
    series = charts._series(hourly, since, until)
    assert len(series["t"]) == 7 * 24
    assert series["t"][0] == since.timestamp() and series["t"][-1] == (until - timedelta(hours=1)).timestamp()
    assert series["volume"][-2:] == [4, 6] and sum(v or 0 for v in series["volume"]) == 10


def test_the_dashboard_script_fixes_the_axis_and_says_when_a_chart_is_empty() -> None:
    script = (STATIC / "dashboard.js").read_text(encoding="utf-8")
    assert "range: function () { return range; }" in script
    assert "showEmpty(" in script and "labels.nodata" in script
    assert "feed.dataset.brand" in script


def _brand(session: object, workspace_id: int, name: str, handles: list[str]) -> Brand:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    brand = Brand(workspace_id=workspace_id, name=name, languages=["en"], own_handles=handles)
    session.add(brand)
    session.flush()
    return brand


def _post(brand: Brand, number: int, author: str, followers: int) -> Mention:
    return Mention(
        brand_id=brand.id,
        source="twitter",
        external_id=f"{brand.name}-{number}",
        author=author,
        author_followers=followers,
        text=f"post {number}",
        lang="en",
        created_at=START + timedelta(minutes=number),
    )


def test_top_posts_leave_out_the_brands_own_account_and_the_feed_follows_the_brand(store: Store) -> None:
    with store.session() as session:
        workspace = Workspace(name="Agency")
        session.add(workspace)
        session.flush()
        air = _brand(session, workspace.id, "Northwind Air", ["northwindair"])
        cafe = _brand(session, workspace.id, "Polana", ["polana_pl"])
        session.add_all(
            [
                _post(air, 1, "NorthwindAir", 412_000),  # the brand's own reply, any case
                _post(air, 2, "traveller", 1_200),
                _post(air, 3, None, 50),  # type: ignore[arg-type]  # an author-less review still counts
                _post(cafe, 4, "kawosz", 900),
            ]
        )
        session.flush()
        top = charts.brand_figures(session, air.id, 7)["top"]
        feed = queries.latest_mentions(session, workspace.id, brand_id=cafe.id)
        everything = queries.latest_mentions(session, workspace.id)
    assert [m["author"] for m in top] == ["traveller", None]
    assert [m["brand"] for m in feed] == ["Polana"]
    assert {m["brand"] for m in everything} == {"Northwind Air", "Polana"}


def test_a_crisis_that_eased_shows_its_peak(store: Store) -> None:
    tenant = Tenant("Agency", "AGENCY")
    with store.session() as session:
        workspace = Workspace(name="Agency")
        session.add(workspace)
        session.flush()
        brand = _brand(session, workspace.id, "Shared Brand", [])
        opened = _opened(tenant, START)
        record_update(session, opened, brand)
        at = START + timedelta(minutes=20)
        escalated = replace(
            opened, kind="escalated", severity=4, at=at, reason="Escalated from severity 2 to 4."
        )
        record_update(session, escalated, brand)
        eased = replace(opened, kind="deescalated", severity=1, at=at + timedelta(hours=2), reason="Quiet.")
        record_update(session, eased, brand)
        session.flush()
        [crisis] = queries.crises(session, workspace.id)
    assert crisis["severity"] == 1 and crisis["peak_severity"] == 4


def test_on_a_phone_the_crisis_table_keeps_the_status() -> None:
    template = (STATIC.parent / "templates" / "_crises.html").read_text(encoding="utf-8")
    status_cell = next(line for line in template.splitlines() if "status-{{" in line)
    assert 'class="wide"' not in status_cell and 'class="opt"' not in status_cell
    css = (STATIC / "stormwatch.css").read_text(encoding="utf-8")
    assert "@media (max-width: 600px) { .wide, .opt { display: none; } }" in css
