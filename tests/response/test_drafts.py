"""Public texts: filled from templates, four-eyes approval, published to a real webhook receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stormwatch.playbook.loader import DEFAULTS_DIR, load_playbook_file
from stormwatch.response import drafts, service
from stormwatch.response.publishing import OutgoingPost, PublishError, PublishReceipt, WebhookPublisher
from stormwatch.response.service import ResponseError

from ..alerting.receiver import running_receiver
from .conftest import T0, Workspace


def _crisis(ws: Workspace, brand: str = "Northwind Air") -> str:
    return service.open_crisis(
        ws.store, ws.workspace_id, brand, reason="Storm.", actor="Anna", cause="customer_service", severity=2,
        library=ws.library, now=T0,
    )  # fmt: skip


def test_a_template_is_filled_in_polish_and_english(workspace: Workspace) -> None:
    key = _crisis(workspace)
    english = drafts.draft_response(
        workspace.store, key, "holding_statement", lang="en", actor="Anna",
        values={"issue": "flights to Boston were cancelled"}, now=T0,
    )  # fmt: skip
    polish = drafts.draft_response(
        workspace.store, key, "holding_statement", lang="pl", actor="Anna",
        values={"issue": "odwołano loty do Bostonu"}, now=T0,
    )  # fmt: skip
    texts = {d["id"]: d["text"] for d in service.crisis_detail(workspace.store, key)["drafts"]}
    assert texts[english].startswith("We are sorry: flights to Boston were cancelled")
    assert "Next update by 3:00 PM UTC" in texts[english]  # severity 2 promises an update every 180 min
    assert "Przepraszamy: odwołano loty do Bostonu" in texts[polish] and texts[polish].endswith(
        "— Northwind Air"
    )
    assert "{" not in texts[english] + texts[polish]


def test_a_polish_text_is_polish_through_and_through_in_the_teams_local_time(workspace: Workspace) -> None:
    # Polana's team works in Warsaw (Iga's zone in the team file): 12:00 UTC on 2 March is 13:00
    # there, and the account-compromise playbook (severity 3+) promises an update every 60 min.
    key = service.open_crisis(
        workspace.store, workspace.workspace_id, "Polana", reason="Takeover.", actor="Anna",
        cause="account_compromise", severity=3, library=workspace.library, now=T0,
    )  # fmt: skip
    draft_id = drafts.draft_response(
        workspace.store, key, "holding_statement", lang="pl", actor="Anna",
        values={"platform": "Instagram"}, now=T0,
    )  # fmt: skip
    text = next(
        d["text"] for d in service.crisis_detail(workspace.store, key)["drafts"] if d["id"] == draft_id
    )
    assert "Kolejna informacja do 14:00. — Polana" in text
    assert "UTC" not in text and "the social network" not in text


@pytest.mark.parametrize("name", sorted(p.stem for p in DEFAULTS_DIR.glob("*.yaml")))
def test_every_bundled_default_has_a_polish_wording_of_its_own(name: str) -> None:
    playbook = load_playbook_file(DEFAULTS_DIR / f"{name}.yaml").playbook
    english, polish = playbook.defaults_for("en"), playbook.defaults_for("pl")
    assert set(english) == set(polish)
    for placeholder, text in english.items():
        assert polish[placeholder] != text, f"{name}: {placeholder} is English in the Polish texts"


def test_the_web_form_lists_every_placeholder_with_what_stormwatch_knows(workspace: Workspace) -> None:
    key = _crisis(workspace)
    form = drafts.template_form(workspace.store, key, "holding_statement", "pl", now=T0)
    fields = {f["name"]: f for f in form["fields"]}
    assert form["text"].startswith("Przepraszamy: {issue}")
    assert fields["issue"]["value"] == "" and not fields["issue"]["automatic"]
    assert fields["brand"]["value"] == "Northwind Air" and fields["brand"]["automatic"]
    assert fields["action"]["value"] == "Nasz zespół odpowiada na każdą wiadomość."


def test_missing_and_unknown_values_are_named(workspace: Workspace) -> None:
    key = _crisis(workspace)
    with pytest.raises(ResponseError, match=r"needs values for issue \(--set issue=...\)"):
        drafts.draft_response(workspace.store, key, "holding_statement", lang="en", actor="Anna", now=T0)
    with pytest.raises(ResponseError, match="no placeholder mood"):
        drafts.draft_response(
            workspace.store,
            key,
            "reply",
            lang="en",
            actor="Anna",
            values={"customer": "@x", "mood": "sad"},
            now=T0,
        )
    with pytest.raises(ResponseError, match="no template 'poem'"):
        drafts.draft_response(workspace.store, key, "poem", lang="en", actor="Anna", now=T0)
    with pytest.raises(ResponseError, match="no text in 'de'"):
        drafts.draft_response(
            workspace.store, key, "reply", lang="de", actor="Anna", values={"customer": "@x"}, now=T0
        )


def test_four_eyes_and_approver_roles(workspace: Workspace) -> None:
    key = _crisis(workspace)
    draft = drafts.draft_response(
        workspace.store, key, "reply", lang="en", actor="Anna", values={"customer": "@jo"}, now=T0
    )
    with pytest.raises(ResponseError, match="only approved texts"):
        drafts.record_publication(workspace.store, draft, "twitter", "Anna", now=T0)
    with pytest.raises(ResponseError, match="someone else must approve"):
        drafts.approve_response(workspace.store, draft, "anna", now=T0)
    with pytest.raises(ResponseError, match="may not approve"):
        drafts.approve_response(workspace.store, draft, "Iga", now=T0)  # customer service, not an approver
    # A revision makes the reviser the drafter: Ben revises, so Ben can no longer approve; Anna can.
    drafts.revise_draft(
        workspace.store, draft, "Hi @jo, we are sorry. Please DM us your booking number.", "Ben", now=T0
    )
    with pytest.raises(ResponseError, match="someone else"):
        drafts.approve_response(workspace.store, draft, "Ben", now=T0)
    drafts.approve_response(workspace.store, draft, "Anna", now=T0 + timedelta(minutes=2))
    with pytest.raises(ResponseError, match="already approved"):
        drafts.reject_response(workspace.store, draft, "Ben", "too late", now=T0)
    drafts.record_publication(
        workspace.store,
        draft,
        "twitter",
        "Ben",
        reference="https://x.com/northwindair/status/1",
        now=T0 + timedelta(minutes=3),
    )
    detail = service.crisis_detail(workspace.store, key)
    assert detail["status"] == "responding"
    (published,) = detail["drafts"][0]["published"]
    assert published["target"] == "twitter" and published["reference"].endswith("/1")


def test_a_rejected_draft_needs_a_reason(workspace: Workspace) -> None:
    key = _crisis(workspace)
    draft = drafts.draft_response(
        workspace.store, key, "reply", lang="pl", actor="Anna", values={"customer": "@ola"}, now=T0
    )
    with pytest.raises(ResponseError, match="say why"):
        drafts.reject_response(workspace.store, draft, "Ben", " ", now=T0)
    drafts.reject_response(workspace.store, draft, "Ben", "Too formal.", now=T0)
    assert service.crisis_detail(workspace.store, key)["drafts"][0]["note"] == "Too formal."


def test_an_approved_text_goes_to_a_webhook_and_is_recorded(workspace: Workspace) -> None:
    key = _crisis(workspace)
    draft = drafts.draft_response(
        workspace.store,
        key,
        "holding_statement",
        lang="en",
        actor="Anna",
        values={"issue": "the app is down"},
        now=T0,
    )
    drafts.approve_response(workspace.store, draft, "Ben", now=T0)
    with running_receiver() as receiver:
        drafts.publish_response(
            workspace.store, draft, WebhookPublisher(receiver.url(path="cms")), "Anna", now=T0
        )
    (post,) = receiver.posts
    assert post["path"] == "/cms" and "the app is down" in post["body"]["message"]
    assert key in post["body"]["title"]
    detail = service.crisis_detail(workspace.store, key)
    assert detail["drafts"][0]["published"][0]["target"] == "json://127.0.0.1"
    assert next(s for s in detail["steps"] if s["id"] == "holding_statement")["done_by"] == "Anna"


class RefusingNetwork:
    """A stand-in connector that the network turned down: the Publisher protocol's failure path."""

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        raise PublishError("rate limited")


class RecordingNetwork:
    def __init__(self) -> None:
        self.posts: list[OutgoingPost] = []

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        self.posts.append(post)
        return PublishReceipt(target="twitter", reference=f"https://x.com/i/{len(self.posts)}")


def test_any_publisher_plugs_in_and_a_refusal_records_nothing(workspace: Workspace) -> None:
    key = _crisis(workspace)
    draft = drafts.draft_response(
        workspace.store, key, "reply", lang="en", actor="Anna", values={"customer": "@jo"}, now=T0
    )
    drafts.approve_response(workspace.store, draft, "Ben", now=T0)
    with pytest.raises(ResponseError, match="rate limited"):
        drafts.publish_response(workspace.store, draft, RefusingNetwork(), "Anna", now=T0)
    assert service.crisis_detail(workspace.store, key)["drafts"][0]["published"] == []
    network = RecordingNetwork()
    drafts.publish_response(workspace.store, draft, network, "Anna", reply_to="t123", now=T0)
    assert network.posts[0].reply_to == "t123" and network.posts[0].brand == "Northwind Air"
    assert (
        service.crisis_detail(workspace.store, key)["drafts"][0]["published"][0]["reference"]
        == "https://x.com/i/1"
    )
