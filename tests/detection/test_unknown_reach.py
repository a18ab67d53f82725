"""A mention without a follower count has unknown reach: None from parsing to the crisis reason, never 0."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import EnrichedMention
from stormwatch.crisis.manager import explain
from stormwatch.crisis.severity import WIDE_REACH, severity_of
from stormwatch.detection.evidence import examples_of, reach_of
from stormwatch.detection.signal import Signal
from stormwatch.ingest.parsing import parse_mention

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
RECORD = {"id": "1", "text": "awful service", "created_at": "2026-03-02T12:00:00Z", "author": "a"}


def _post(author: str, followers: int | None) -> EnrichedMention:
    mention = replace(parse_mention(RECORD), author=author, author_followers=followers)
    return EnrichedMention(mention, TextJudgement("en", "negative", -0.9, "customer_service"), None)


def _signal(reach: int | None, posts: list[EnrichedMention]) -> Signal:
    return Signal(
        brand="Acme",
        kind="negative_surge",
        at=AT,
        observed=40,
        expected=5,
        window=timedelta(minutes=30),
        cause="customer_service",
        reach=reach,
        example_ids=("1",),
        summary="Negative mentions of Acme rose to 40 in the last 30 minutes.",
        examples=examples_of(posts),
    )


def test_a_missing_or_empty_follower_count_parses_as_unknown_and_a_zero_as_zero() -> None:
    assert parse_mention(RECORD).author_followers is None
    assert parse_mention({**RECORD, "author_followers": ""}).author_followers is None
    assert parse_mention({**RECORD, "author_followers": 0}).author_followers == 0
    assert parse_mention({**RECORD, "author_followers": "12"}).author_followers == 12


def test_reach_sums_known_counts_and_is_unknown_only_when_none_is_known() -> None:
    assert reach_of([_post("a", None), _post("b", None)]) is None
    assert reach_of([_post("a", None), _post("b", 300), _post("b", 200)]) == 300
    assert reach_of([_post("a", 0)]) == 0


def test_the_crisis_reason_says_unknown_reach_and_severity_does_not_count_it() -> None:
    posts = [_post("a", None), _post("b", None)]
    unknown = _signal(None, posts)
    text = explain(unknown, severity_of(unknown))
    assert "reach is unknown" in text and "followers unknown" in text
    assert "0 followers" not in text
    wide = _signal(WIDE_REACH, [_post("a", WIDE_REACH)])
    assert severity_of(wide) == severity_of(unknown) + 1  # reach raises a level only when known
