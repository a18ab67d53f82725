"""Synthetic enriched streams with known answers, for the detectors' unit tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from stormwatch.analysis.models import Cause, Sentiment, TextJudgement
from stormwatch.analysis.service import EnrichedMention
from stormwatch.ingest.mention import MentionIn

START = datetime(2026, 3, 2, tzinfo=UTC)


def mention(
    at: datetime,
    sentiment: Sentiment,
    *,
    number: int,
    brand: str = "Acme",
    text: str = "a post about acme",
    followers: int = 100,
    cause: Cause | None = None,
) -> EnrichedMention:
    score = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}[sentiment]
    return EnrichedMention(
        MentionIn(
            source="twitter",
            external_id=f"m{number}",
            text=text,
            created_at=at,
            brand=brand,
            author=f"user{number}",
            author_followers=followers,
        ),
        TextJudgement("en", sentiment, score, cause if sentiment == "negative" else None),
        None,
    )


def steady(
    hours: int, per_hour: int, negative_share: float = 0.25, seed: int = 1
) -> Iterator[EnrichedMention]:
    """A brand's ordinary days: ``per_hour`` mentions an hour, a quarter of them negative."""
    rng = random.Random(seed)
    number = 0
    for hour in range(hours):
        for _ in range(per_hour):
            at = START + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            sentiment: Sentiment = (
                "negative" if rng.random() < negative_share else rng.choice(["neutral", "positive"])
            )
            number += 1
            yield mention(at, sentiment, number=number)


def burst(
    start: datetime,
    minutes: int,
    count: int,
    sentiment: Sentiment,
    *,
    first_number: int,
    cause: Cause | None = None,
) -> list[EnrichedMention]:
    step = timedelta(minutes=minutes) / count
    return [
        mention(
            start + step * index, sentiment, number=first_number + index, cause=cause, followers=1000 * index
        )
        for index in range(count)
    ]


def in_time_order(*streams: list[EnrichedMention]) -> list[EnrichedMention]:
    return sorted((m for stream in streams for m in stream), key=lambda m: m.mention.created_at)
