"""Claim-then-send: an alert goes out once, even with two senders or a sender that died mid-send."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from stormwatch.alerting.models import Alert
from stormwatch.cluster.respond import SENDING, UNCERTAIN, deliver_claimed, fail_interrupted
from stormwatch.crisis.models import Crisis
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand, Workspace


def _alerts(store: Store, count: int) -> list[int]:
    with store.session() as session:
        workspace = Workspace(name="w")
        session.add(workspace)
        session.flush()
        brand = Brand(workspace_id=workspace.id, name="b", alert_urls=["json://127.0.0.1:9/"])
        session.add(brand)
        session.flush()
        at = datetime(2026, 3, 3, tzinfo=UTC)
        crisis = Crisis(
            key="b-1",
            workspace_id=workspace.id,
            brand_id=brand.id,
            opened_at=at,
            severity=2,
            status="detected",
            reason="r",
            last_signal_at=at,
        )
        session.add(crisis)
        session.flush()
        alerts = [
            Alert(
                crisis_id=crisis.id,
                severity=severity,
                channel_index=0,
                channel_label="json://",
                title=f"t{severity}",
                body="b",
            )
            for severity in range(1, count + 1)
        ]
        session.add_all(alerts)
        session.flush()
        return [alert.id for alert in alerts]


def test_each_alert_is_sent_once_by_whichever_sender_claims_it(sqlite_store: Store) -> None:
    _alerts(sqlite_store, 3)
    sent: list[str] = []

    def second_sender(url: str, title: str, body: str) -> bool:
        sent.append(title)
        return True

    def first_sender(url: str, title: str, body: str) -> bool:
        # While the first sender sends, a second one runs: it may only take the unclaimed alerts.
        deliver_claimed(sqlite_store, second_sender)
        sent.append(title)
        return True

    deliver_claimed(sqlite_store, first_sender)
    assert sorted(sent) == ["t1", "t2", "t3"]
    assert deliver_claimed(sqlite_store, first_sender) == (0, 0)


def test_an_alert_left_sending_by_a_dead_leader_is_failed_not_resent(sqlite_store: Store) -> None:
    first, second = _alerts(sqlite_store, 2)
    with sqlite_store.session() as session:
        session.get_one(Alert, first).status = SENDING
    assert fail_interrupted(sqlite_store) == 1
    sent: list[str] = []
    deliver_claimed(sqlite_store, lambda url, title, body: sent.append(title) is None)
    assert sent == ["t2"]
    with sqlite_store.session() as session:
        statuses = {row.id: row.status for row in session.execute(select(Alert.id, Alert.status))}
        assert session.get_one(Alert, first).error == UNCERTAIN
    assert statuses == {first: "failed", second: "sent"}


def test_a_refused_alert_goes_back_to_pending(sqlite_store: Store) -> None:
    (alert_id,) = _alerts(sqlite_store, 1)
    assert deliver_claimed(sqlite_store, lambda *args: False) == (0, 1)
    with sqlite_store.session() as session:
        assert session.get_one(Alert, alert_id).status == "pending"
