"""Alerts go through apprise to a real HTTP receiver on localhost; one crisis alerts once per level."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from stormwatch.alerting.models import Alert
from stormwatch.alerting.service import channel_label, deliver_pending, queue_alerts
from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.signal import Signal
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config

from .receiver import running_receiver

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _update(kind: str, severity: int) -> CrisisUpdate:
    signal = Signal(
        brand="Northwind Air",
        kind="negative_surge",
        at=T0,
        observed=40,
        expected=4,
        window=timedelta(minutes=30),
        cause="customer_service",
        reach=5000,
        example_ids=("m1",),
        summary="Negative mentions of Northwind Air rose to 40.",
    )
    return CrisisUpdate(
        kind, "northwind-air-20260302T1400", "Northwind Air", T0, severity, "customer_service", "Why.", signal
    )  # type: ignore[arg-type]


def _brand(store: Store, urls: list[str]) -> None:
    config = WorkspaceConfig(brands=[BrandConfig(name="Northwind Air", alert_urls=urls)])
    with store.session() as session:
        apply_config(session, config)


def _apply(store: Store, update: CrisisUpdate) -> int:
    with store.session() as session:
        brand = session.scalars(select(Brand)).one()
        crisis = record_update(session, update, brand)
        return queue_alerts(session, crisis, brand, update)


def test_an_alert_reaches_the_receiver_once_and_escalation_alerts_again(store: Store) -> None:
    with running_receiver() as receiver:
        _brand(store, [receiver.url()])
        assert _apply(store, _update("opened", 2)) == 1
        assert deliver_pending(store) == (1, 0)
        assert _apply(store, _update("opened", 2)) == 0  # the same news twice: no second alert
        assert deliver_pending(store) == (0, 0)
        assert _apply(store, _update("escalated", 3)) == 1
        assert deliver_pending(store) == (1, 0)
    assert len(receiver.posts) == 2
    first, second = (post["body"] for post in receiver.posts)
    assert "northwind-air-20260302T1400" in first["title"] and "new crisis" in first["title"]
    assert "escalated to severity 3" in second["title"]
    assert "/crises/northwind-air-20260302T1400" in first["message"]


def test_an_unreachable_channel_is_retried_then_marked_failed(store: Store) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    _brand(store, [f"json://127.0.0.1:{dead_port}/hook"])
    _apply(store, _update("opened", 2))
    for _ in range(4):
        assert deliver_pending(store) == (0, 1)
    with store.session() as session:
        assert session.scalars(select(Alert.status)).one() == "pending"
    assert deliver_pending(store) == (0, 1)
    assert deliver_pending(store) == (0, 0)
    with store.session() as session:
        alert = session.scalars(select(Alert)).one()
        assert (alert.status, alert.attempts) == ("failed", 5)
        assert alert.channel_label == "json://127.0.0.1"


def test_channel_labels_hide_secrets() -> None:
    assert channel_label("slack://TokenA/TokenB/TokenC/#crisis") == "slack://"
    assert channel_label("mailtos://user:secret@example.com") == "mailtos://example.com"
