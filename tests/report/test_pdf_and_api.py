"""The PDFs (Chromium's print): pages that are not blank, a Polish text layer with its diacritics;
the REST endpoints over a real server; the demo's crises reported from the replayed store."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from stormwatch.auth.service import create_token
from stormwatch.report.documents import as_format, crisis_html, review_html
from stormwatch.report.figures import crisis_report_figures, review_figures
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.web.server import BackgroundServer
from stormwatch.workspace.config import ReportSettings
from stormwatch.workspace.models import Workspace
from tests.report.world import Quarter
from tests.web.world import free_port

BRANDING = ReportSettings()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: `apt-get install -y poppler-utils` (see .ci/run)")
    return found


def _ink(pgm: bytes) -> float:
    """Share of the page's pixels that are not white, from a binary PGM (pdftoppm -gray)."""
    fields = pgm.split(maxsplit=4)  # P5, width, height, maxval, pixels
    assert fields[0] == b"P5"
    pixels = fields[4]
    return sum(1 for value in pixels if value < 200) / len(pixels)


def _pages(pdf: bytes, folder: Path) -> list[float]:
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-gray", "-r", "30", str(source), str(folder / "page")], check=True)
    return [_ink(page.read_bytes()) for page in sorted(folder.glob("page-*.pgm"))]


def _text(pdf: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        [_tool("pdftotext"), str(source), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.slow
def test_the_polish_pdfs_have_no_blank_page_and_keep_their_diacritics(
    quarter: Quarter, tmp_path: Path
) -> None:
    crisis = as_format(
        crisis_html(quarter.store, quarter.workspace_id, quarter.keys[0], locale="pl", branding=BRANDING),
        "pdf",
    )
    assert crisis.startswith(b"%PDF")
    inks = _pages(crisis, tmp_path)
    assert len(inks) >= 2 and min(inks) > 0.001, inks  # a blank page has none
    text = _text(crisis, tmp_path)
    assert "Podsumowanie" in text and "Raport z kryzysu" in text
    assert "Wątki i fale" in text and "Najważniejsze wpisy i konta" in text  # ą, ż, ę survive
    review = as_format(
        review_html(
            quarter.store,
            quarter.workspace_id,
            date(2026, 1, 1),
            date(2026, 3, 31),
            brand=None,
            locale="pl",
            branding=BRANDING,
        ),
        "pdf",
    )
    (tmp_path / "review").mkdir()
    assert min(_pages(review, tmp_path / "review")) > 0.001
    text = _text(review, tmp_path)
    assert "Podsumowanie" in text and "Ćwiczenia i gotowość" in text and "Rekomendacje" in text


@pytest.fixture(scope="module")
def served(quarter: Quarter) -> Iterator[tuple[str, str, str]]:
    """The app over the quarter's store, a read token of its workspace and one of another workspace."""
    with quarter.store.session() as session:
        secret, _ = create_token(session, quarter.workspace_id, "reports", ["read"], actor="test")
        other = Workspace(name="Another agency")
        session.add(other)
        session.flush()
        stranger, _ = create_token(session, other.id, "stranger", ["read"], actor="test")
    server = BackgroundServer(create_app(quarter.store), "127.0.0.1", free_port())
    server.start()
    yield server.url, secret, stranger
    server.stop()


def test_the_rest_endpoints_answer_html_for_the_callers_workspace_only(
    quarter: Quarter, served: tuple[str, str, str]
) -> None:
    url, secret, stranger = served
    key = quarter.keys[1]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=60) as client:
        page = client.get(f"/api/reports/crises/{key}", params={"language": "pl"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Podsumowanie" in page.text and key in page.text
        review = client.get("/api/reports/review", params={"from": "2026-02-01", "to": "2026-02-28"})
        assert review.status_code == 200 and "Strategy review" in review.text
        assert client.get("/api/reports/crises/nope").status_code == 404
        assert (
            client.get("/api/reports/review", params={"from": "2026-02-28", "to": "2026-02-01"}).status_code
            == 422
        )
        assert client.get("/api/reports/review", params={"from": "2026-02-01", "to": "x"}).status_code == 422
        document = client.get("/openapi.json").json()
        assert {"/api/reports/crises/{key}", "/api/reports/review"} <= set(document["paths"])
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {stranger}"}, timeout=60) as client:
        assert client.get(f"/api/reports/crises/{key}").status_code == 404  # another workspace's crisis
    assert httpx.get(f"{url}/api/reports/crises/{key}").status_code == 401


@pytest.mark.slow
def test_the_pdf_endpoint_is_a_download(quarter: Quarter, served: tuple[str, str, str]) -> None:
    url, secret, _ = served
    answer = httpx.get(
        f"{url}/api/reports/crises/{quarter.keys[0]}",
        params={"format": "pdf"},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=120,
    )
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment;")


@pytest.mark.slow
def test_the_demos_crises_are_reported_from_the_replayed_store(tmp_path: Path) -> None:
    from stormwatch.analysis.text_analyzer import TextAnalyzer
    from stormwatch.demo.runner import WORKSPACE_FILE, replay_sample
    from stormwatch.ingest.models import Mention
    from stormwatch.ingest.service import MentionIngestor
    from stormwatch.live import LivePipeline
    from stormwatch.web import queries
    from stormwatch.workspace.config import load_config
    from stormwatch.workspace.service import apply_config

    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with store.session() as session:
            workspace_id = apply_config(session, load_config(WORKSPACE_FILE)).id
        live = LivePipeline(store, TextAnalyzer.load(), workspace_id)
        live.warm_up()
        replay_sample(MentionIngestor(store, workspace_id), live, speed=1e9)
        with store.session() as session:
            crises = queries.crises(session, workspace_id)
            first, last = session.execute(
                select(func.min(Mention.created_at), func.max(Mention.created_at))
            ).one()
            stored = session.scalar(select(func.count(Mention.id)))
        assert crises, "the demo opens its firestorm"
        for crisis in crises:
            figures = crisis_report_figures(store, workspace_id, crisis["id"])
            assert figures["crisis"]["reason"] == crisis["reason"]
            assert sum(v for v in figures["chart"]["series"]["volume"] if v is not None) > 0
            for locale in ("en", "pl"):
                html = crisis_html(store, workspace_id, crisis["id"], locale=locale, branding=BRANDING)
                assert crisis["id"] in html
        # A review of every day of the demo (UTC: the demo's team has no zone) counts every mention.
        review = review_figures(store, workspace_id, first.date(), last.date())
        assert sum(t["mentions"] for t in review["totals"].values()) == stored
        assert review["crisis_summary"]["count"] == len(crises)
        html = review_html(
            store, workspace_id, first.date(), last.date(), brand=None, locale="pl", branding=BRANDING
        )
        assert "Podsumowanie" in html
    finally:
        store.engine.dispose()


def test_the_crisis_room_and_the_dashboard_link_to_the_reports(tmp_path: Path) -> None:
    from tests.web.conftest import _start

    started = _start(tmp_path)
    site = next(started)
    try:
        tenant = site.tenants["acme"]
        with site.browser(tenant.users["viewer"]) as browser:
            room = browser.get(f"/crises/{tenant.crisis_key}").text
            link = f"/api/reports/crises/{tenant.crisis_key}?format=html&language=en"
            assert link in room and f"/api/reports/crises/{tenant.crisis_key}?format=pdf" in room
            report = browser.get(link)
            assert report.status_code == 200 and tenant.marker in report.text  # the viewer's own crisis
            dashboard = browser.get("/").text
            assert "/api/reports/review?brand=Shared%20Brand&from=" in dashboard
            review_link = dashboard.split('href="/api/reports/review?')[1].split('"')[0]
            review = browser.get(f"/api/reports/review?{review_link}".replace("format=pdf", "format=html"))
            assert review.status_code == 200 and "Shared Brand" in review.text
    finally:
        next(started, None)
