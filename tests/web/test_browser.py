"""In a real browser (Debian's Chromium driven by Playwright): log in, watch a crisis open live
during a replay, acknowledge it, draft a reply as one user and approve it as another.

Set ``STORMWATCH_SCREENSHOTS=1`` to refresh the README's screenshots under ``docs/``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stormwatch.auth.service import add_user
from stormwatch.demo.runner import SAMPLE_STREAM, WORKSPACE_FILE, replay_sample
from stormwatch.runtime import Runtime
from stormwatch.workspace.config import load_config
from tests.web.world import PASSWORD, free_port

CHROMIUM = os.environ.get("STORMWATCH_CHROMIUM", "/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"
REPLAY_SPEED = 20000.0  # 42 hours of the sample in about 8 seconds
MANAGER, ANALYST = "maria@demo.example", "adam@demo.example"

pytestmark = pytest.mark.slow


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(f"sqlite:///{tmp_path / 'browser.db'}", load_config(WORKSPACE_FILE))
    with runtime.store.session() as session:
        add_user(
            session,
            MANAGER,
            PASSWORD,
            workspace_id=runtime.workspace_id,
            role="manager",
            display_name="Maria",
        )
        add_user(
            session, ANALYST, PASSWORD, workspace_id=runtime.workspace_id, role="analyst", display_name="Adam"
        )
    runtime.serve("127.0.0.1", free_port())
    yield runtime
    runtime.close()


def _stream_until_the_plateau_ends(folder: Path) -> Path:
    """The sample up to the end of the firestorm's plateau, so the crisis is still open when the
    replay stops, moved in time to end within the last day, so the playbook's deadlines (wall
    clock) are counted from a start hours ago rather than from the sample's March."""
    labels = json.loads(SAMPLE_STREAM.with_name("sample_stream.labels.json").read_text(encoding="utf-8"))
    plateau_end = next(e for e in labels["events"] if e["kind"] == "firestorm")["plateau_end"]
    end = datetime.fromisoformat(plateau_end.replace("Z", "+00:00"))
    # Whole days, so every post keeps its hour of the day (the baselines are per hour of the day).
    shift = timedelta(days=(datetime.now(UTC) - end).days)
    stream = folder / "until_plateau_end.jsonl"
    # The history before the replayed days loads at once, as in the demo (replay_start reads this).
    scored_start = datetime.fromisoformat(labels["scored_start"].replace("Z", "+00:00")) + shift
    stream.with_name("until_plateau_end.labels.json").write_text(
        json.dumps({"scored_start": scored_start.isoformat()}), encoding="utf-8"
    )
    with (
        gzip.open(SAMPLE_STREAM, "rt", encoding="utf-8") as sample,
        stream.open("w", encoding="utf-8") as out,
    ):
        for line in sample:
            record = json.loads(line)
            if record["created_at"] <= plateau_end:
                moment = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00")) + shift
                out.write(json.dumps(record | {"created_at": moment.isoformat()}) + "\n")
    return stream


def _replay_in_background(runtime: Runtime, stream: Path) -> threading.Thread:
    last = [0.0]

    def respond(_: object) -> None:  # the response clock attaches playbooks as crises open
        import time

        if time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            runtime.run_response_clock()

    def replay() -> None:
        replay_sample(runtime.ingestor, runtime.live, speed=REPLAY_SPEED, stream=stream, on_tick=respond)
        runtime.run_response_clock()

    thread = threading.Thread(target=replay, name="replay")
    thread.start()
    return thread


def _log_in(page: object, url: str, email: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{url}/")
    expect(page).to_have_url(f"{url}/login?next=/")  # nothing without logging in
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("who")).to_be_visible()


def test_crisis_opens_live_is_acknowledged_and_a_reply_approved_by_another_user(
    runtime: Runtime, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (see .ci/run)")
    assert runtime.server is not None
    url = runtime.server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        analyst = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _log_in(manager, url, MANAGER)
        _log_in(analyst, url, ANALYST)
        expect(manager.locator("#crises")).to_contain_text("No crisis")
        manager.evaluate("window.stillTheSamePage = true")

        replay = _replay_in_background(runtime, _stream_until_the_plateau_ends(tmp_path))
        # The crisis appears on the open dashboard by itself: live events, no reload.
        row = manager.locator("tr.crisis-row", has_text="Northwind Air")
        expect(row).to_be_visible(timeout=90_000)
        expect(manager.get_by_test_id("toast").first).to_contain_text("Northwind Air")
        assert manager.evaluate("window.stillTheSamePage") is True
        expect(manager.locator("#feed li").first).to_be_visible()
        replay.join(120)
        assert not replay.is_alive()

        # The analyst takes the crisis and drafts the holding statement.
        key = row.get_attribute("data-crisis")
        analyst.goto(f"{url}/crises/{key}")
        expect(analyst.get_by_test_id("status")).to_have_text("detected")
        analyst.get_by_test_id("acknowledge").click()
        expect(analyst.get_by_test_id("status")).to_have_text("acknowledged")
        expect(analyst.get_by_test_id("owners")).to_contain_text("Adam")
        expect(analyst.locator("select[name=template]")).to_have_value("holding_statement")  # the first text
        analyst.fill("input[name=value_issue]", "many of you are waiting")
        analyst.fill(  # the preview, reworded by hand: that wording is what is drafted
            "textarea[name=text]", "We know many of you are waiting. We are on it; next update at 18:00."
        )
        analyst.get_by_test_id("save-draft").click()
        draft = analyst.locator("[data-testid^=draft-]").first
        expect(draft).to_contain_text("awaiting approval")
        assert analyst.locator("[data-testid^=approve-]").count() == 0  # an analyst cannot approve

        # The manager, who did not draft it, approves it.
        manager.goto(f"{url}/crises/{key}")
        manager.locator("[data-testid^=approve-]").first.click()
        expect(manager.get_by_test_id("draft-status").first).to_have_text("approved")
        expect(manager.get_by_test_id("timeline")).to_contain_text("Approved draft")
        expect(manager.get_by_test_id("timeline")).to_contain_text("Adam")

        _screenshots(browser, manager, url, key, tmp_path)
        _usable_on_a_phone(browser, url, key)
        browser.close()


def _usable_on_a_phone(browser: object, url: str, key: str | None) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    _log_in(phone, url, MANAGER)
    for path in ("/", f"/crises/{key}"):
        phone.goto(f"{url}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{path} scrolls sideways on a phone ({width}px)"


def _screenshots(browser: object, page: object, url: str, key: str | None, tmp_path: Path) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{url}/?days=7")
    page.wait_for_selector("#volume-chart canvas")
    shots = {"dashboard.png": tmp_path / "dashboard.png", "crisis_room.png": tmp_path / "crisis_room.png"}
    page.screenshot(path=shots["dashboard.png"], full_page=True)
    page.goto(f"{url}/crises/{key}")
    page.screenshot(path=shots["crisis_room.png"], full_page=True)
    if os.environ.get("STORMWATCH_SCREENSHOTS") == "1":
        for name, shot in shots.items():
            shutil.copyfile(shot, DOCS / name)
