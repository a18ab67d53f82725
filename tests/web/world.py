"""Two tenants with data, users of every role and tokens, for the web tests.

Both workspaces watch a brand of the same name, so a query that forgot the workspace would mix
them up; every row of the second tenant carries its marker so a leak is easy to spot.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.auth.models import ROLES
from stormwatch.auth.permissions import ACTIONS
from stormwatch.auth.service import add_user, create_token
from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.signal import Signal
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response.drafts import draft_response
from stormwatch.response.service import attach_playbook
from stormwatch.stats.service import rebuild as rebuild_hourly_counts
from stormwatch.store.db import Store
from stormwatch.workspace.models import Brand, Workspace

PASSWORD = "correct horse battery"
START = datetime(2026, 3, 1, tzinfo=UTC)
BRAND = "Shared Brand"
LIBRARY = PlaybookLibrary.load()


@dataclass
class Tenant:
    name: str
    marker: str  # appears in this tenant's texts, workspace and crisis reasons
    workspace_id: int = 0
    brand_id: int = 0
    crisis_key: str = ""
    users: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    tokens: dict[str, str] = field(default_factory=dict)  # "all", "read" -> secret
    token_ids: dict[str, int] = field(default_factory=dict)
    draft_id: int = 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_world(store: Store, hours: int = 48, per_hour: int = 6) -> dict[str, Tenant]:
    tenants = {
        "acme": Tenant("Acme Agency", "ACMEMARK"),
        "globex": Tenant("Globex Agency", "GLOBEXMARK"),
    }
    for offset, tenant in enumerate(tenants.values()):
        with store.session() as session:
            workspace = Workspace(name=tenant.name)
            session.add(workspace)
            session.flush()
            brand = Brand(
                workspace_id=workspace.id,
                name=BRAND,
                languages=["en"],
                keywords=[],
                own_handles=[],
                trigger_terms=[],
                alert_urls=[],
                reply_sla_minutes=60,
            )
            session.add(brand)
            session.flush()
            tenant.workspace_id, tenant.brand_id = workspace.id, brand.id
            _mentions(session, brand.id, tenant, hours, per_hour)
            crisis = record_update(
                session, _opened(tenant, START + timedelta(hours=40, minutes=offset)), brand
            )
            tenant.crisis_key = crisis.key
            attach_playbook(session, crisis, LIBRARY, START + timedelta(hours=40))
            for role in ROLES:
                email = f"{role}@{tenant.name.split()[0].lower()}.example"
                add_user(
                    session,
                    email,
                    PASSWORD,
                    workspace_id=workspace.id,
                    role=role,
                    display_name=f"{role} {offset}",
                )
                tenant.users[role] = email
            for label, scopes in (("all", list(ACTIONS)), ("read", ["read"])):
                secret, token = create_token(session, workspace.id, f"{label} token", scopes, actor="test")
                tenant.tokens[label], tenant.token_ids[label] = secret, token.id
        tenant.draft_id = draft_response(
            store,
            tenant.crisis_key,
            "holding_statement",
            lang="en",
            actor="analyst 0",
            values={"issue": f"{tenant.marker} delays"},
        )
    with store.session() as session:
        rebuild_hourly_counts(session)  # the rows above were written directly, not by the pipeline
    return tenants


def _mentions(session: object, brand_id: int, tenant: Tenant, hours: int, per_hour: int) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    sources = ["twitter", "facebook", "news"]
    for hour in range(hours):
        for n in range(per_hour):
            negative = hour >= 40 and n % 2 == 0
            mention = Mention(
                brand_id=brand_id,
                source=sources[n % 3],
                external_id=f"{tenant.marker.lower()}-{hour}-{n}",
                author=f"user{n}",
                author_followers=100 * (n + 1) + hour,
                text=f"{tenant.marker} post {hour}/{n} "
                + ("lost my bag, awful service" if negative else "nice flight"),
                lang="en",
                created_at=START + timedelta(hours=hour, minutes=7 * n),
            )
            session.add(mention)
            session.flush()
            session.add(
                Enrichment(
                    mention_id=mention.id,
                    lang="pl" if n == 5 else "en",
                    sentiment="negative" if negative else "positive",
                    sentiment_score=-0.8 if negative else 0.6,
                    cause="customer_service" if negative else None,
                )
            )


def _opened(tenant: Tenant, at: datetime) -> CrisisUpdate:
    signal = Signal(
        brand=BRAND,
        kind="negative_surge",
        at=at,
        observed=30,
        expected=3,
        window=timedelta(minutes=30),
        cause="customer_service",
        reach=5000,
        example_ids=(f"{tenant.marker.lower()}-40-0",),
        summary=f"{tenant.marker} surge",
    )
    return CrisisUpdate(
        kind="opened",
        crisis_key=f"shared-brand-{at:%Y%m%dT%H%M}",
        brand=BRAND,
        at=at,
        severity=2,
        cause="customer_service",
        reason=f"{tenant.marker}: negative mentions rose tenfold",
        signal=signal,
    )
