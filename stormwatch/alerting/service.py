"""Writing alerts for crisis changes and delivering them through apprise.

apprise speaks Slack, Microsoft Teams, e-mail, generic JSON/XML webhooks and ~100 other services,
each chosen by the URL in the brand's ``alert_urls``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import apprise
from sqlalchemy import select
from sqlalchemy.orm import Session

from stormwatch.alerting.models import Alert
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.crisis.service import SYSTEM_ACTOR
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.drill.marking import is_drill, marked
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def queue_alerts(session: Session, crisis: Crisis, brand: Brand, update: CrisisUpdate) -> int:
    """Add the alerts ``update`` calls for, once per channel and severity level; returns how many."""
    if update.kind in ("closed", "deescalated"):  # nobody is woken up for good news
        return 0
    already = set(
        session.scalars(
            select(Alert.channel_index).where(Alert.crisis_id == crisis.id, Alert.severity == update.severity)
        )
    )
    title, body = compose(brand.name, crisis.key, update)
    if is_drill(session, brand.workspace_id):
        title, body = marked(title, body)
    added = 0
    for index, url in enumerate(brand.alert_urls):
        if index in already:
            continue
        session.add(
            Alert(
                crisis_id=crisis.id,
                severity=update.severity,
                channel_index=index,
                channel_label=channel_label(url),
                title=title,
                body=body,
            )
        )
        added += 1
    return added


def compose(brand: str, crisis_key: str, update: CrisisUpdate) -> tuple[str, str]:
    # The crisis key in every title keeps one crisis in one thread in mail clients and chat searches.
    verb = {"opened": "new crisis", "reopened": f"reopened at severity {update.severity}"}.get(
        update.kind, f"escalated to severity {update.severity}"
    )
    title = f"[Stormwatch] {brand}: {verb} (severity {update.severity}) [{crisis_key}]"
    public_url = os.environ.get("STORMWATCH_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    cause = update.cause.replace("_", " ") if update.cause else "not yet known"
    body = (
        f"{update.reason}\n\nCause: {cause}. Detected at {update.at:%Y-%m-%d %H:%M} UTC.\n"
        f"Crisis room: {public_url}/crises/{crisis_key}"
    )
    return title, body


def channel_label(url: str) -> str:
    """What may be shown of an alert URL: its scheme and host, never its tokens or passwords."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    # Some services put a token where the host goes (slack://TokenA/...): show only real host names.
    shown = host if "." in host or host == "localhost" else ""
    return f"{parts.scheme}://{shown}"


Sender = Callable[[str, str, str], bool]


def send_with_apprise(url: str, title: str, body: str) -> bool:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise ValueError(f"not an alert URL apprise understands: {channel_label(url)}")
    return bool(notifier.notify(title=title, body=body))


def deliver_pending(store: Store, send: Sender = send_with_apprise) -> tuple[int, int]:
    """Send every pending alert; returns (sent, failed). A failure is retried on later calls."""
    with store.session() as session:
        pending = session.scalars(select(Alert).where(Alert.status == "pending").order_by(Alert.id)).all()
        targets = {alert.id: _alert_url(session, alert) for alert in pending}
    sent = failed = 0
    for alert in pending:
        url = targets[alert.id]
        error: str | None = None
        try:
            delivered = url is not None and send(url, alert.title, alert.body)
            if not delivered:
                error = (
                    "the channel did not accept the alert" if url else "the channel is no longer configured"
                )
        except Exception as exc:  # a broken channel must not stop the other alerts
            delivered, error = False, f"{type(exc).__name__}: {exc}"
        with store.session() as session:
            _record_attempt(session, alert.id, delivered, error, configured=url is not None)
        sent += delivered
        failed += not delivered
        if not delivered:
            log.warning("alert %s to %s not delivered: %s", alert.id, alert.channel_label, error)
    return sent, failed


def _alert_url(session: Session, alert: Alert) -> str | None:
    crisis = session.get(Crisis, alert.crisis_id)
    brand = session.get(Brand, crisis.brand_id) if crisis else None
    if brand is None or alert.channel_index >= len(brand.alert_urls):
        return None
    return brand.alert_urls[alert.channel_index]


def _record_attempt(
    session: Session, alert_id: int, delivered: bool, error: str | None, configured: bool
) -> None:
    alert = session.get_one(Alert, alert_id)
    alert.attempts += 1
    alert.error = error
    if delivered:
        alert.status, alert.sent_at = "sent", datetime.now(UTC)
        # The timeline records every alert, so the review can tell who was told what and when.
        session.add(
            CrisisEvent(
                crisis_id=alert.crisis_id,
                at=alert.sent_at,
                kind="alert_sent",
                actor=SYSTEM_ACTOR,
                message=f"Alert sent to {alert.channel_label}: {alert.title}",
                data={"alert": alert.id, "severity": alert.severity},
            )
        )
    elif alert.attempts >= MAX_ATTEMPTS or not configured:
        alert.status = "failed"
