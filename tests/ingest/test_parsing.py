from datetime import UTC, datetime

import pytest

from stormwatch.ingest.parsing import RecordError, parse_mention


def test_a_complete_record_keeps_every_field() -> None:
    mention = parse_mention(
        {
            "id": 123,
            "source": "Twitter",
            "text": "Where is my bag?",
            "created_at": "2026-03-02T14:05:00Z",
            "author": "@jan",
            "author_followers": "1500",
            "brand": "Northwind Air",
            "lang": "en",
            "retweets": 4,
            "reply_to": "99",
        }
    )
    assert mention.external_id == "123"
    assert mention.source == "twitter"
    assert mention.author == "jan"
    assert mention.author_followers == 1500
    assert mention.shares == 4
    assert mention.created_at == datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    assert mention.brand == "Northwind Air"


def test_brand_option_overrides_the_record() -> None:
    mention = parse_mention({"text": "x", "created_at": "2026-03-02T14:05:00", "brand": "A"}, brand="B")
    assert mention.brand == "B"
    assert mention.created_at.tzinfo is UTC


def test_records_without_id_get_a_stable_one() -> None:
    record = {"text": "same post", "created_at": "2026-03-02T14:05:00Z", "author": "ola"}
    assert parse_mention(record).external_id == parse_mention(dict(record)).external_id
    other = parse_mention({**record, "text": "another post"})
    assert other.external_id != parse_mention(record).external_id


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"created_at": "2026-03-02T14:05:00Z"}, "text"),
        ({"text": "   ", "created_at": "2026-03-02T14:05:00Z"}, "text"),
        ({"text": "hi"}, "created_at"),
        ({"text": "hi", "created_at": "yesterday"}, "created_at"),
        (
            {"text": "hi", "created_at": "2026-03-02T14:05:00Z", "author_followers": "many"},
            "author_followers",
        ),
        ({"text": "hi", "created_at": "2026-03-02T14:05:00Z", "likes": -3}, "likes"),
        ({"text": "hi", "created_at": "2026-03-02T14:05:00Z", "author": ["a"]}, "author"),
    ],
)
def test_malformed_records_name_the_field(record: dict[str, object], field: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_mention(record)
    assert caught.value.field == field
