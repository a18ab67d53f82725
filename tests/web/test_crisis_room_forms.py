"""The crisis room's forms without a browser: drafting from a template with its values, merging,
splitting and reviewing crises from the web app (issue 23, items 3 and 13)."""

from __future__ import annotations

from stormwatch.response import service
from stormwatch.web.pages import VALUE_FIELD
from tests.web.conftest import Site, csrf_of
from tests.web.world import BRAND


def test_the_draft_form_shows_the_template_its_fields_and_drafts_with_the_values(fresh_site: Site) -> None:
    tenant = fresh_site.tenants["acme"]
    key = tenant.crisis_key
    with fresh_site.browser(tenant.users["analyst"]) as client:
        form = client.get(
            f"/fragments/crises/{key}/draft-form", params={"template": "holding_statement", "lang": "pl"}
        )
        assert form.status_code == 200
        assert "Wiemy, że {issue}" in form.text or "Przepraszamy" in form.text  # the template's own text
        assert f'name="{VALUE_FIELD}issue"' in form.text and f'name="{VALUE_FIELD}brand"' in form.text
        assert (
            client.get(f"/fragments/crises/{key}/draft-form", params={"template": "poem"}).status_code == 422
        )

        answer = client.post(
            f"/crises/{key}/drafts",
            data={
                "template": "holding_statement",
                "lang": "pl",
                f"{VALUE_FIELD}issue": "część zamówień nie dotarła",
                "csrf_token": csrf_of(client),
            },
        )
        assert answer.status_code == 303 and "problem" not in answer.headers["location"]
        missing = client.post(
            f"/crises/{key}/drafts",
            data={"template": "holding_statement", "lang": "pl", "csrf_token": csrf_of(client)},
        )
        assert "problem=" in missing.headers["location"]  # no value for {issue}: said, nothing drafted
    texts = [d["text"] for d in service.crisis_detail(fresh_site.store, key)["drafts"]]
    assert any("część zamówień nie dotarła" in text and "UTC" in text for text in texts)  # no team zone
    assert len(texts) == 2  # the world's draft and this one


def test_a_manager_merges_splits_and_reviews_from_the_web_app(fresh_site: Site) -> None:
    tenant = fresh_site.tenants["acme"]
    store = fresh_site.store
    second = service.open_crisis(
        store, tenant.workspace_id, BRAND, reason="Same story", actor="test", severity=1
    )
    with fresh_site.browser(tenant.users["manager"]) as client:
        room = client.get(f"/crises/{second}").text
        assert 'action="/crises/' + second + '/merge"' in room and tenant.crisis_key in room
        merged = client.post(
            f"/crises/{second}/merge", data={"into": tenant.crisis_key, "csrf_token": csrf_of(client)}
        )
        assert merged.headers["location"] == f"/crises/{tenant.crisis_key}"
        assert service.crisis_detail(store, second)["status"] == "merged"

        nothing = client.post(
            f"/crises/{tenant.crisis_key}/split",
            data={"reason": "two stories", "csrf_token": csrf_of(client)},
        )
        assert "problem=" in nothing.headers["location"]  # no signal chosen: refused with the reason

        service.resolve(store, tenant.crisis_key, "test")
        assert (
            'action="/crises/' + tenant.crisis_key + '/review"'
            in client.get(f"/crises/{tenant.crisis_key}").text
        )
        reviewed = client.post(
            f"/crises/{tenant.crisis_key}/review",
            data={
                "what_worked": "Fast holding statement",
                "lessons": "Pin it\nBrief the call centre",
                "csrf_token": csrf_of(client),
            },
        )
        assert "problem" not in reviewed.headers["location"]
    review = service.crisis_detail(store, tenant.crisis_key)["review"]
    assert review["what_worked"] == "Fast holding statement"
    assert [lesson["text"] for lesson in review["lessons"]] == ["Pin it", "Brief the call centre"]
