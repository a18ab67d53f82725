"""The response from end to end, on a fake clock: a firestorm is replayed through the live pipeline,
the crisis gets the customer-service playbook, the owner is paged through a real HTTP receiver and
does not answer, the lead is paged and acknowledges, a holding statement is drafted, approved by
someone else and published to a webhook, the crisis is resolved and reviewed with its figures, and
the review's lesson becomes a new playbook version while the crisis keeps the one it ran."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.crisis.models import Crisis
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.playbook.revision import PlaybookChange
from stormwatch.response import drafts, review, service
from stormwatch.response.publishing import WebhookPublisher
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.service import apply_config

from ..alerting.receiver import Receiver, running_receiver
from ..stream_fixtures import START, firestorm, in_time_order, ordinary_days

ONSET = START + timedelta(hours=30, minutes=10)


def _config(receiver: Receiver) -> WorkspaceConfig:
    return WorkspaceConfig(
        brands=[
            BrandConfig(
                name="Northwind Air", own_handles=["northwindair"], alert_urls=[receiver.url(path="brand")]
            )
        ],
        people=[
            PersonConfig(name="Anna Owner", roles=["owner", "comms"], notify=[receiver.url(path="anna")]),
            PersonConfig(name="Ben Lead", roles=["lead"], notify=[receiver.url(path="ben")]),
        ],
    )


def _feed(ingestor: MentionIngestor, records: list[dict[str, Any]]) -> None:
    ingestor.ingest([RawRecord(i, "", r) for i, r in enumerate(records, 1)], origin="replay")


def _posts_to(receiver: Receiver, path: str) -> list[dict[str, Any]]:
    return [post["body"] for post in receiver.posts if post["path"] == f"/{path}"]


def test_a_firestorm_from_detection_to_review(store: Store, tmp_path: Path) -> None:
    (tmp_path / "playbooks").mkdir()
    library = PlaybookLibrary.load(tmp_path / "playbooks")
    background = ordinary_days(hours=54)
    storm = firestorm(ONSET)
    stream = in_time_order(background, storm)
    cut = ONSET + timedelta(minutes=50)
    during = [r for r in stream if r["created_at"] < cut.isoformat().replace("+00:00", "Z")]
    after = stream[len(during) :]

    with running_receiver() as receiver:
        with store.session() as session:
            workspace_id = apply_config(session, _config(receiver)).id
        ingestor = MentionIngestor(store, workspace_id)
        live = LivePipeline(store, TextAnalyzer.load(deep=False), workspace_id)
        live.warm_up()

        # 1. The firestorm is detected and the brand's channel is alerted.
        _feed(ingestor, during)
        updates = live.run_until_idle()
        assert updates and updates[0].kind == "opened"
        key = updates[0].crisis_key
        with store.session() as session:
            crisis = session.scalars(select(Crisis)).one()
            opened_at, severity, cause = crisis.opened_at, crisis.severity, crisis.cause
        assert cause == "customer_service"
        assert _posts_to(receiver, "brand"), "the brand's alert channel heard of the crisis"

        # 2. The response clock attaches the playbook for the cause and pages the owner.
        report = service.tick(store, library, now=opened_at + timedelta(minutes=1))
        assert (report.attached, report.paged, report.sent) == (1, 1, 1)
        detail = service.crisis_detail(store, key, now=opened_at + timedelta(minutes=1))
        assert detail["playbook"]["name"] == "customer_service" and detail["playbook"]["version"] == 1
        (page,) = _posts_to(receiver, "anna")
        assert key in page["title"] and "acknowledge within" in page["message"]

        # 3. Nobody acknowledges: just before the playbook's time nothing happens, just after it the lead is paged.
        ack_within = library.get("customer_service").playbook.rule_for(severity).ack_within_minutes
        first_page = opened_at + timedelta(minutes=1)
        assert service.tick(store, library, now=first_page + timedelta(minutes=ack_within - 1)).paged == 0
        escalated = service.tick(store, library, now=first_page + timedelta(minutes=ack_within, seconds=1))
        assert (escalated.paged, escalated.escalated) == (1, 1)
        (escalation,) = _posts_to(receiver, "ben")
        assert f"not acknowledged within {ack_within} min" in escalation["message"]

        # 4. The lead acknowledges; the clock pages nobody else.
        acked_at = first_page + timedelta(minutes=ack_within + 2)
        assert service.acknowledge(store, key, "Ben Lead", now=acked_at)
        later = service.tick(store, library, now=acked_at + timedelta(hours=1))
        assert later.paged == 0 and later.overdue > 0  # unfinished steps are flagged instead

        # 5. A holding statement is drafted from the template, approved by someone else, published.
        drafted_at = acked_at + timedelta(minutes=10)
        draft_id = drafts.draft_response(
            store,
            key,
            "holding_statement",
            lang="en",
            actor="Ben Lead",
            values={"issue": "many flights were cancelled today"},
            now=drafted_at,
        )
        with pytest.raises(service.ResponseError, match="someone else must approve"):
            drafts.approve_response(store, draft_id, "Ben Lead", now=drafted_at)
        drafts.approve_response(store, draft_id, "Anna Owner", now=drafted_at + timedelta(minutes=3))
        published_at = drafted_at + timedelta(minutes=5)
        drafts.publish_response(
            store, draft_id, WebhookPublisher(receiver.url(path="statement")), "Anna Owner", now=published_at
        )
        (statement,) = _posts_to(receiver, "statement")
        assert "many flights were cancelled today" in statement["message"]
        assert "Northwind Air" in statement["message"] and "{" not in statement["message"]

        # 6. Resolved; the conversation calms down afterwards.
        resolved_at = opened_at + timedelta(hours=5)
        service.set_status(store, key, "monitoring", "Ben Lead", now=resolved_at - timedelta(hours=1))
        service.resolve(store, key, "Ben Lead", "Backlog cleared.", now=resolved_at)
        _feed(ingestor, after)
        assert all(update.crisis_key != key for update in live.run_until_idle())

    # 7. The review: the figures come from the record.
    result = review.create_review(
        store,
        key,
        "Anna Owner",
        what_worked="The lead picked it up once paged.",
        what_to_improve="The owner missed the page.",
        lessons=["Page the lead sooner for customer-service storms"],
        changes=[PlaybookChange.parse(f"set_ack_within:1={max(1, ack_within // 2)}")],
        library=library,
        now=resolved_at + timedelta(days=1),
    )
    figures = result["figures"]
    # Onset is the earliest post the detectors cited: near the storm's first post (a background
    # complaint a few minutes earlier may be among them).
    onset = datetime.fromisoformat(figures["onset"])
    assert abs(onset - ONSET) <= timedelta(minutes=15)
    assert figures["minutes_to_detect"] == pytest.approx((opened_at - onset).total_seconds() / 60, abs=0.1)
    assert figures["minutes_to_acknowledge"] == pytest.approx(1 + ack_within + 2)
    assert figures["minutes_to_first_response"] == pytest.approx(
        (published_at - opened_at).total_seconds() / 60
    )
    assert figures["minutes_to_resolution"] == 300
    assert figures["escalations"] == 1
    sentiment = figures["sentiment"]
    assert all(sentiment[phase]["mentions"] > 0 for phase in ("before", "during", "after"))
    assert sentiment["during"]["negative_share"] > sentiment["before"]["negative_share"]
    assert sentiment["after"]["negative_share"] < sentiment["during"]["negative_share"]
    assert any("escalated 1 time" in note for note in figures["observations"])
    assert {"acknowledge", "holding_statement"} <= set(figures["steps"]["late"] + figures["steps"]["on_time"])

    # 8. The lesson is a proposed playbook version; someone other than the reviewer applies it.
    with pytest.raises(service.ResponseError, match="someone else"):
        review.decide_playbook_change(store, key, "Anna Owner", approve=True, library=library)
    applied = review.decide_playbook_change(store, key, "Ben Lead", approve=True, library=library)
    assert applied == str(tmp_path / "playbooks" / "customer_service.yaml")
    reloaded = PlaybookLibrary.load(tmp_path / "playbooks").get("customer_service").playbook
    assert reloaded.version == 2 and reloaded.rule_for(1).ack_within_minutes == max(1, ack_within // 2)
    detail = service.crisis_detail(store, key)
    assert (
        detail["status"] == "reviewed" and detail["playbook"]["version"] == 1
    )  # the crisis keeps its version

    kinds = [event["kind"] for event in detail["timeline"]]
    for kind in (
        "opened", "alert_sent", "playbook", "page", "page_sent", "escalation", "acknowledged", "assigned",
        "step_overdue", "draft", "approved", "published", "status", "review", "playbook_change",
    ):  # fmt: skip
        assert kind in kinds, kind
    assert all(event["actor"] for event in detail["timeline"])
