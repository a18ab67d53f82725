"""The respond role's alert sending: claim, then send, so no alert is ever sent twice.

The single-process service sends pending alerts and marks them sent afterwards; a crash in between
sends them again at the next start. Here an alert is first claimed (``pending`` → ``sending``, an
atomic UPDATE that only one process can win), then sent, then marked. An alert a dead leader left
``sending`` may or may not have gone out: it is marked failed with that reason, never re-sent."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from stormwatch.alerting.models import Alert
from stormwatch.alerting.service import Sender, _alert_url, _record_attempt
from stormwatch.store.db import Store

log = logging.getLogger(__name__)

SENDING = "sending"
UNCERTAIN = "the sender stopped while sending this alert: not re-sent, as it may have gone out"


def fail_interrupted(store: Store) -> int:
    """At a new leader's start: alerts its predecessor claimed but never marked."""
    with store.session() as session:
        result = session.execute(
            update(Alert).where(Alert.status == SENDING).values(status="failed", error=UNCERTAIN)
        )
        count = int(result.rowcount)  # type: ignore[attr-defined]
    if count:
        log.warning("%d alerts were being sent when the previous leader stopped; marked failed", count)
    return count


def deliver_claimed(store: Store, send: Sender) -> tuple[int, int]:
    """Send every pending alert once; returns (sent, failed)."""
    with store.session() as session:
        ids = list(session.scalars(select(Alert.id).where(Alert.status == "pending").order_by(Alert.id)))
    sent = failed = 0
    for alert_id in ids:
        with store.session() as session:
            claimed = session.execute(
                update(Alert).where(Alert.id == alert_id, Alert.status == "pending").values(status=SENDING)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another sender has it
        with store.session() as session:
            alert = session.get_one(Alert, alert_id)
            url, title, body = _alert_url(session, alert), alert.title, alert.body
        delivered, error = _send(send, url, title, body)
        with store.session() as session:
            _record_attempt(session, alert_id, delivered, error, configured=url is not None)
            alert = session.get_one(Alert, alert_id)
            if alert.status == SENDING:  # not delivered, attempts left: try again later
                alert.status = "pending"
        sent += delivered
        failed += not delivered
    return sent, failed


def _send(send: Sender, url: str | None, title: str, body: str) -> tuple[bool, str | None]:
    if url is None:
        return False, "the channel is no longer configured"
    try:
        if send(url, title, body):
            return True, None
        return False, "the channel did not accept the alert"
    except Exception as exc:  # a broken channel must not stop the other alerts
        return False, f"{type(exc).__name__}: {exc}"
