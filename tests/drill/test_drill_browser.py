"""In a real browser (Debian's Chromium driven by Playwright): a facilitator starts an accelerated
drill from the web app; a participant switches to the drill's workspace, sees the banner, finds
the crisis the real detection opened from the injected posts, acknowledges it and drafts a holding
statement; a second participant approves it; it is published to the sandbox; the facilitator sees
the team's actions on the live timeline, stops the drill and reads the report.

Set ``STORMWATCH_SCREENSHOTS=1`` to refresh docs/drill_facilitator.png, docs/drill_crisis_room.png
and docs/drill_report.png.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stormwatch.auth.service import add_user
from stormwatch.runtime import Runtime
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from tests.web.world import PASSWORD, free_port

CHROMIUM = os.environ.get("STORMWATCH_CHROMIUM", "/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"
FACILITATOR, ANNA, BEN = "maria@agency.example", "anna@northwind.example", "ben@northwind.example"

pytestmark = pytest.mark.slow


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    config = WorkspaceConfig(
        brands=[BrandConfig(name="Northwind Air", own_handles=["northwindair"])],
        people=[
            PersonConfig(name="Anna", roles=["owner", "comms"]),
            PersonConfig(name="Ben", roles=["lead", "approver"]),
        ],
    )
    runtime = Runtime.open(f"sqlite:///{tmp_path / 'drill.db'}", config)
    with runtime.store.session() as session:
        for email, name in ((FACILITATOR, "Maria"), (ANNA, "Anna"), (BEN, "Ben")):
            add_user(
                session, email, PASSWORD, workspace_id=runtime.workspace_id, role="manager", display_name=name
            )
    runtime.serve("127.0.0.1", free_port())
    runtime.process_in_background()
    yield runtime
    runtime.close()


def _log_in(page: object, url: str, email: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("who")).to_be_visible()


def _into_the_drill(page: object, url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{url}/")  # the workspace list now has the drill's
    option = page.locator("select#workspace option", has_text="drill 1")
    page.select_option("select#workspace", value=option.get_attribute("value"))
    expect(page.get_by_test_id("drill-banner")).to_be_visible()


def test_a_short_accelerated_drill_as_facilitator_and_participants(runtime: Runtime, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (see .ci/run)")
    assert runtime.server is not None
    url = runtime.server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pages = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(3)]
        facilitator, anna, ben = pages
        for page, email in zip(pages, (FACILITATOR, ANNA, BEN), strict=True):
            _log_in(page, url, email)

        # The facilitator starts a drill at ×30 (its two hours in four minutes).
        facilitator.goto(f"{url}/drills")
        expect(facilitator.get_by_test_id("drill-banner")).to_have_count(0)
        facilitator.select_option("select[name=scenario]", value="customer_service_cancellations")
        facilitator.select_option("select[name=speed]", value="30")
        facilitator.locator("[data-testid=drill-start] button").click()
        expect(facilitator.get_by_test_id("drill-facilitator")).to_be_visible(timeout=60_000)

        # A participant works in the drill's workspace: the banner, then the crisis detection opened.
        _into_the_drill(anna, url)
        anna.goto(f"{url}/drill")
        expect(anna.get_by_test_id("drill-participant")).to_be_visible()
        link = anna.get_by_test_id("drill-crisis-link")
        deadline = time.monotonic() + 90
        while link.count() == 0 and time.monotonic() < deadline:
            time.sleep(1)
            anna.reload()
        link.first.click()
        expect(anna.get_by_test_id("drill-banner")).to_be_visible()
        anna.get_by_test_id("acknowledge").click()
        expect(anna.get_by_test_id("status")).to_have_text("acknowledged")
        anna.fill("input[name=value_issue]", "many of today's morning flights from Boston were cancelled")
        anna.fill("textarea[name=text]", "We're so sorry: an IT outage cancelled many of this morning's flights from Boston. "
                  "Rebooking is free at northwind.example/help; next update at noon.")  # fmt: skip
        anna.get_by_test_id("save-draft").click()
        expect(anna.locator("[data-testid^=draft-]").first).to_contain_text("awaiting approval")
        key = anna.url.rsplit("/", 1)[-1]
        crisis_room = tmp_path / "drill_crisis_room.png"
        anna.screenshot(path=crisis_room, full_page=True)

        # Another participant approves; the text is published to the sandbox only.
        _into_the_drill(ben, url)
        ben.goto(f"{url}/crises/{key}")
        ben.locator("[data-testid^=approve-]").first.click()
        expect(ben.get_by_test_id("draft-status").first).to_have_text("approved")
        anna.goto(f"{url}/drill")
        anna.get_by_test_id("drill-publish").first.click()
        expect(anna.get_by_test_id("drill-publish")).to_have_count(0)

        # The facilitator sees the team's actions beside the injects on the live timeline.
        live = facilitator.get_by_test_id("drill-live-timeline")
        expect(live).to_contain_text("Anna", timeout=30_000)
        expect(live).to_contain_text("Passengers at the gate")
        facilitator_shot = tmp_path / "drill_facilitator.png"
        facilitator.screenshot(path=facilitator_shot, full_page=True)
        facilitator.get_by_test_id("drill-stop").click()
        facilitator.get_by_test_id("drill-report-link").click()
        expect(facilitator.get_by_test_id("drill-report")).to_be_visible()
        expect(facilitator.get_by_test_id("drill-score")).to_contain_text("/ 100")
        expect(facilitator.get_by_test_id("drill-timeline")).to_contain_text("Anna")
        report = tmp_path / "drill_report.png"
        facilitator.screenshot(path=report, full_page=True)
        browser.close()
    if os.environ.get("STORMWATCH_SCREENSHOTS") == "1":
        for shot in (crisis_room, facilitator_shot, report):
            shutil.copyfile(shot, DOCS / shot.name)
