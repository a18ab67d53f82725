"""Every Polish page a team uses, walked in a real browser (Debian's Chromium through Playwright):
the dashboard, the crisis room, the draft form, a refusal, the set-aside mentions and an error
page show no English UI word
(issue 23).

"English UI word": a word of the interface's English (the catalogue's keys) that no Polish
translation uses. What people and networks wrote (posts, notes: marked as such in the page) and
proper nouns (the brand, the workspace, people's names, crisis keys) are allowed as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stormwatch.i18n.catalogue import catalog
from tests.web.conftest import Site
from tests.web.test_browser import CHROMIUM
from tests.web.test_crisis_room_browser import _visible_texts
from tests.web.world import BRAND, PASSWORD

pytestmark = pytest.mark.slow
WORD = re.compile(r"[A-Za-z]{3,}")
# Shared by both languages or no language's: the product, units and formats.
ALLOWED = {"stormwatch", "sla", "csrf", "api", "url", "json", "mail", "www", "http", "https"}


def _english_ui_words() -> set[str]:
    english: set[str] = set()
    polish: set[str] = set()
    for message in catalog("pl"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english |= {w.lower() for text in ids for w in WORD.findall(re.sub(r"%\(\w+\)\w", "", text))}
        polish |= {w.lower() for text in strings for w in WORD.findall(re.sub(r"%\(\w+\)\w", "", text))}
    return english - polish - ALLOWED


def _leftovers(texts: list[str], proper_nouns: list[str], english: set[str]) -> list[str]:
    found = []
    for text in texts:
        bare = text
        for noun in sorted(proper_nouns, key=len, reverse=True):
            bare = bare.replace(noun, " ")
        words = {w.lower() for w in WORD.findall(bare)} & english
        if words:
            found.append(f"{text!r} ({', '.join(sorted(words))})")
    return found


def test_the_polish_pages_have_no_english_ui_word(fresh_site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (see .ci/run)")
    tenant = fresh_site.tenants["acme"]
    url, key = fresh_site.url, tenant.crisis_key
    english = _english_ui_words()
    assert {"acknowledge", "timeline", "overdue"} <= english  # the vocabulary itself is right
    nouns = [BRAND, tenant.name, key, "manager 0", "analyst 0", *tenant.users.values()]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{url}/login")
        page.fill("input[name=email]", tenant.users["manager"])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.get_by_test_id("who")).to_be_visible()
        page.click("button[name=language][value=pl]")
        expect(page.locator("html")).to_have_attribute("lang", "pl")

        found: dict[str, list[str]] = {}
        page.goto(f"{url}/")
        page.wait_for_load_state("networkidle")
        found["dashboard"] = _leftovers(_visible_texts(page), nouns, english)
        page.goto(f"{url}/crises/{key}")
        page.wait_for_load_state("networkidle")
        found["crisis room"] = _leftovers(_visible_texts(page), nouns, english)
        page.select_option("#draft-form select[name=lang]", "pl")
        expect(page.get_by_test_id("template-text")).to_contain_text("{issue}")
        found["draft form"] = _leftovers(_visible_texts(page), nouns, english)
        page.fill("#note", "   ")  # an empty note: refused, and the refusal said in Polish
        page.locator("#note-form button").click()
        expect(page.locator("p.error[role=alert]")).to_be_visible()
        found["refusal"] = _leftovers([page.locator("p.error[role=alert]").inner_text()], nouns, english)
        page.goto(f"{url}/failed-mentions")
        found["set-aside mentions"] = _leftovers(_visible_texts(page), nouns, english)
        answer = page.goto(f"{url}/crises/no-such-crisis")
        assert answer is not None and answer.status == 404
        found["error page"] = _leftovers(_visible_texts(page), nouns, english)
        page.screenshot(path=tmp_path / "error_pl.png")
        browser.close()
    assert not any(found.values()), "English in the Polish pages: " + "; ".join(
        f"{where}: {', '.join(texts)}" for where, texts in found.items() if texts
    )
