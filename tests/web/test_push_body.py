"""POST /api/mentions reads its own body: whatever a browser or a client sends, a clear 4xx."""

from __future__ import annotations

from tests.web.conftest import Site, csrf_of


def test_a_browser_form_or_a_non_json_body_is_a_422_not_a_500(site: Site) -> None:
    tenant = site.tenants["acme"]
    with site.browser(tenant.users["analyst"]) as browser:
        csrf = csrf_of(browser)
        form = browser.post("/api/mentions", data={"csrf_token": csrf, "text": "hi"})
        text = browser.post("/api/mentions", content=b"\xff\xfe not json", headers={"X-CSRF-Token": csrf})
        empty = browser.post("/api/mentions", content=b"", headers={"X-CSRF-Token": csrf})
    assert [form.status_code, text.status_code, empty.status_code] == [422, 422, 422]
    assert all(answer.json()["detail"]["message"].startswith("body: ") for answer in (form, text, empty))
