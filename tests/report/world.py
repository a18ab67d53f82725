"""A generated quarter (January to March 2026) of two brands, with several crises and their response.

Northwind Air (English) has three customer-service crises, each preceded by posts saying "refund"
a few hours before it opened (a term that is not one of its trigger terms); Polana (Polish) has one
account compromise and a negative share that climbs through the quarter. The team lives in Warsaw,
so periods and days are Warsaw's. Rows are written directly, as the web tests' world does, and the
hourly counts rebuilt from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.service import record_update
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.signal import Signal
from stormwatch.ingest.models import Mention
from stormwatch.playbook.loader import PlaybookLibrary
from stormwatch.response import drafts, review, service
from stormwatch.response.publishing import OutgoingPost, PublishReceipt
from stormwatch.stats.service import rebuild as rebuild_hourly_counts
from stormwatch.store.db import Store
from stormwatch.workspace.config import BrandConfig, PersonConfig, WorkspaceConfig
from stormwatch.workspace.models import Brand
from stormwatch.workspace.service import apply_config

QUARTER_START = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 1 January 2026, 00:00 in Warsaw
DAYS = 90
PER_HOUR = 2
LIBRARY = PlaybookLibrary.load()
CONFIG = WorkspaceConfig(
    brands=[
        BrandConfig(
            name="Northwind Air", languages=["en"], own_handles=["northwindair"], trigger_terms=["boycott"]
        ),
        BrandConfig(name="Polana", languages=["pl"], own_handles=["polana_pl"], trigger_terms=["bojkot"]),
    ],
    people=[
        PersonConfig(name="Anna", roles=["owner", "comms"], timezone="Europe/Warsaw"),
        PersonConfig(name="Ben", roles=["lead", "approver"], timezone="Europe/Warsaw"),
    ],
)
# (brand, day of the quarter, hour UTC, cause, severity, acknowledged after min, published after min)
CRISES = (
    ("Northwind Air", 20, 9, "customer_service", 2, 12, 50),
    ("Northwind Air", 45, 14, "customer_service", 3, 25, None),
    ("Polana", 60, 8, "account_compromise", 3, 8, 30),
    ("Northwind Air", 75, 11, "customer_service", 2, 40, 95),
)
HOLDING_VALUES = {
    "customer_service": {"issue": "refunds are late", "action": "Every refund is being checked."},
    "account_compromise": {"platform": "Instagram"},
}
LEAD_MINUTES = 150  # the first "refund" post comes this long before a Northwind crisis opens


class Network:
    def publish(self, post: OutgoingPost) -> PublishReceipt:
        return PublishReceipt(target="twitter", reference="https://x.com/i/1")


@dataclass
class Quarter:
    store: Store
    workspace_id: int
    keys: list[str] = field(default_factory=list)
    opened: dict[str, datetime] = field(default_factory=dict)
    acknowledged: dict[str, datetime] = field(default_factory=dict)


def build_quarter(store: Store) -> Quarter:
    with store.session() as session:
        workspace_id = apply_config(session, CONFIG).id
        brands = {b.name: b for b in session.scalars(select(Brand).where(Brand.workspace_id == workspace_id))}
        _mentions(session, brands)
    quarter = Quarter(store, workspace_id)
    for n, (name, day, hour, cause, severity, ack, published) in enumerate(CRISES):
        _crisis(
            quarter,
            n,
            name,
            QUARTER_START + timedelta(days=day, hours=hour + 1),
            cause,
            severity,
            ack,
            published,
        )
    with store.session() as session:
        rebuild_hourly_counts(session)
    return quarter


def _mentions(session: object, brands: dict[str, Brand]) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    rng = random.Random(21)
    rows: list[dict[str, object]] = []
    labels: dict[str, str] = {}
    for name, brand in brands.items():
        for hour in range(DAYS * 24):
            at = QUARTER_START + timedelta(hours=hour)
            # Polana's negative share climbs from 10 % to 40 % over the quarter; Northwind's stays 15 %.
            negative_chance = 0.10 + 0.30 * hour / (DAYS * 24) if name == "Polana" else 0.15
            for n in range(PER_HOUR):
                external = f"{brand.id}-{hour}-{n}"
                labels[external] = "negative" if rng.random() < negative_chance else "positive"
                rows.append(
                    _row(
                        brand.id,
                        external,
                        at + timedelta(minutes=20 * n + 5),
                        f"user{n}",
                        100 * (n + 1),
                        "ordinary day",
                    )
                )
    northwind = brands["Northwind Air"].id
    for day in range(DAYS):
        # A customer asks the brand every day at 10:00 UTC; it answers in 30 min on even days, 90 on odd.
        asked = QUARTER_START + timedelta(days=day, hours=11)
        question, answer = f"ask-{day}", f"answer-{day}"
        labels[question], labels[answer] = "negative", "positive"
        rows.append(
            _row(northwind, question, asked, f"customer{day}", 10, "@northwindair where is my refund?")
        )
        delay = timedelta(minutes=30 if day % 2 == 0 else 90)
        rows.append(
            _row(northwind, answer, asked + delay, "northwindair", 90000, "Sorry, DM us", reply_to=question)
        )
    for n, (name, day, hour, *_rest) in enumerate(CRISES):
        opened = QUARTER_START + timedelta(days=day, hours=hour + 1)
        brand = brands[name]
        # The storm: 40 negative posts in the hour before and after opening, the first ones saying "refund".
        for k in range(40):
            at = opened - timedelta(minutes=LEAD_MINUTES) + timedelta(minutes=5 * k)
            external = f"storm{n}-{k}"
            labels[external] = "negative"
            text = "refund now, nobody answers" if k < 3 or name == "Northwind Air" else "konto przejęte?"
            rows.append(_row(brand.id, external, at, f"angry{k}", 50 + 1000 * k, text))
    session.execute(insert(Mention), rows)
    ids = {
        external: mention_id
        for external, mention_id in session.execute(select(Mention.external_id, Mention.id))
    }
    session.execute(
        insert(Enrichment),
        [
            {
                "mention_id": ids[external],
                "lang": "en",
                "sentiment": label,
                "sentiment_score": -0.7 if label == "negative" else 0.6,
                "cause": "customer_service" if label == "negative" else None,
            }
            for external, label in labels.items()
        ],
    )


def _row(
    brand_id: int,
    external: str,
    at: datetime,
    author: str,
    followers: int,
    text: str,
    reply_to: str | None = None,
) -> dict[str, object]:
    return {
        "reply_to": reply_to,
        "brand_id": brand_id,
        "source": "twitter",
        "external_id": external,
        "author": author,
        "author_followers": followers,
        "text": f"{text} #{external}",
        "lang": "en",
        "created_at": at,
    }


def _crisis(
    quarter: Quarter,
    n: int,
    name: str,
    opened: datetime,
    cause: str,
    severity: int,
    ack: int,
    published: int | None,
) -> None:
    store = quarter.store
    signal = Signal(
        brand=name,
        kind="negative_surge",
        at=opened,
        observed=40,
        expected=4,
        window=timedelta(hours=1),
        cause=cause,  # type: ignore[arg-type]
        reach=20000,
        example_ids=(f"storm{n}-5",),
        summary="negative mentions rose tenfold",
        terms=("refund", "answers", "ordinary", "northwind"),
        story="refund",
    )
    update = CrisisUpdate(
        kind="opened",
        crisis_key=f"{name.lower().replace(' ', '-')}-{opened:%Y%m%dT%H%M}",
        brand=name,
        at=opened,
        severity=severity,
        cause=cause,  # type: ignore[arg-type]
        reason="negative mentions rose tenfold",
        signal=signal,
    )
    with store.session() as session:
        brand = session.scalar(
            select(Brand).where(Brand.workspace_id == quarter.workspace_id, Brand.name == name)
        )
        assert brand is not None
        crisis = record_update(session, update, brand)
        from stormwatch.live import _signal_record

        session.add(_signal_record(signal, brand.id, crisis.id))
        service.attach_playbook(session, crisis, LIBRARY, opened)
        key = crisis.key
    quarter.keys.append(key)
    quarter.opened[key] = opened
    with service.acting_in(quarter.workspace_id):
        acked = opened + timedelta(minutes=ack)
        service.acknowledge(store, key, "Anna", now=acked)
        quarter.acknowledged[key] = acked
        if published is not None:
            draft = drafts.draft_response(
                store,
                key,
                "holding_statement",
                lang="en",
                actor="Anna",
                values=HOLDING_VALUES[cause],
                now=acked,
            )
            drafts.approve_response(store, draft, "Ben", now=acked + timedelta(minutes=2))
            drafts.publish_response(
                store, draft, Network(), "Anna", now=opened + timedelta(minutes=published)
            )
        service.resolve(store, key, "Ben", "Calm again.", now=opened + timedelta(hours=6))
        review.create_review(
            store,
            key,
            "Ben",
            lessons=[f"Lesson {n}: answer refund questions within the hour"],
            now=opened + timedelta(days=1),
        )
