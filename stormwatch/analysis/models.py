"""What the analysis stage adds to a mention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Sentiment = Literal["negative", "neutral", "positive"]
Cause = Literal[
    "communication_error",
    "negative_review",
    "controversial_action",
    "account_compromise",
    "customer_service",
]
SENTIMENTS: tuple[Sentiment, ...] = get_args(Sentiment)
CAUSES: tuple[Cause, ...] = get_args(Cause)


@dataclass(frozen=True, slots=True)
class TextJudgement:
    """The per-text judgement of the language models: no stream state involved."""

    lang: str | None  # ISO 639-1, None when the text is too short or unknown
    sentiment: Sentiment
    sentiment_score: float  # -1 (very negative) .. 1 (very positive)
    cause: Cause | None  # only for negative texts; None when no cause fits
