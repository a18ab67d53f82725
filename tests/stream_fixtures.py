"""Small, readable mention streams with a known firestorm, for end-to-end tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 3, 2, tzinfo=UTC)

ORDINARY = [
    "Flying with @northwindair to Boston tomorrow, any tips for the lounge?",
    "Great flight today, lovely crew and we landed early. Thanks @northwindair!",
    "@northwindair what is the baggage allowance on the basic fare?",
    "Booked my summer holiday with @northwindair, can't wait",
    "The new @northwindair app looks nice",
    "Seat 14A again, my favourite spot on @northwindair",
    "@northwindair thank you for the smooth check-in this morning",
    "Delayed 20 minutes with @northwindair, not a big deal",
]
COMPLAINTS = [
    "@northwindair worst customer service ever, 3 hours on hold and nobody answers",
    "@northwindair cancelled my flight and your agents hung up on me twice. Disgusting service",
    "@northwindair lost my bag and nobody at the desk can tell me anything. Terrible",
    "Still waiting for a refund from @northwindair after 6 weeks, awful customer service",
    "@northwindair your staff was rude and useless, never flying with you again",
    "@northwindair I have been on hold for two hours, this is unacceptable",
]


def record(number: int, at: datetime, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"t{number}",
        "source": "twitter",
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "text": text,
        "author": f"traveller{number}",
        "author_followers": 50 + (number * 37) % 900,
        "brand": "Northwind Air",
        "lang": "en",
        **extra,
    }


def ordinary_days(hours: int = 36, per_hour: int = 12, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for hour in range(hours):
        for _ in range(per_hour):
            at = START + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            text = rng.choice(COMPLAINTS) if rng.random() < 0.08 else rng.choice(ORDINARY)
            records.append(record(len(records), at, text))
    return sorted(records, key=lambda r: r["created_at"])


def firestorm(
    onset: datetime, count: int = 90, minutes: int = 45, first_number: int = 100_000
) -> list[dict[str, Any]]:
    step = timedelta(minutes=minutes) / count
    return [
        record(first_number + i, onset + step * i, COMPLAINTS[i % len(COMPLAINTS)] + f" #{i}")
        for i in range(count)
    ]


def praise(
    onset: datetime, count: int = 150, minutes: int = 45, first_number: int = 200_000
) -> list[dict[str, Any]]:
    cheers = [text for text in ORDINARY if "Thanks" in text or "thank" in text or "Great" in text]
    step = timedelta(minutes=minutes) / count
    return [
        record(first_number + i, onset + step * i, cheers[i % len(cheers)] + f" #{i}") for i in range(count)
    ]


def in_time_order(*parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((r for part in parts for r in part), key=lambda r: r["created_at"])
