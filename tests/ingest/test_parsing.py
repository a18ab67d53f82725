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


# --- input limits: what the store can keep, the same on every database --------------------------

BASE = {"text": "Where is my bag?", "created_at": "2026-03-02T14:05:00Z", "brand": "Northwind Air"}


def _field_of(record: dict[str, object], **options: object) -> str | None:
    with pytest.raises(RecordError) as caught:
        parse_mention({**BASE, **record}, **options)  # type: ignore[arg-type]
    return caught.value.field


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"created_at": "0001-01-01T00:00:00Z"}, "created_at"),
        ({"created_at": "9999-12-31T23:59:59Z"}, "created_at"),
        ({"created_at": "2100-01-01T00:00:00Z"}, "created_at"),
        ({"created_at": "2005-12-31T23:59:59Z"}, "created_at"),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),  # before year 1 in UTC
        ({"created_at": 1700000000}, "created_at"),
        ({"text": "bad\x00byte"}, "text"),
        ({"text": "half a pair \ud800"}, "text"),
        ({"text": "x" * 100_001}, "text"),
        ({"source": "s" * 51}, "source"),
        ({"id": "i" * 201}, "id"),
        ({"author": "a" * 201}, "author"),
        ({"brand": "b" * 201}, "brand"),
        ({"url": "https://x.com/" + "u" * 2000}, "url"),
        ({"lang": "english-ish"}, "lang"),
        ({"reply_to": "r" * 201}, "reply_to"),
        ({"author": "nul\x00"}, "author"),
        ({"likes": 2**31}, "likes"),
        ({"comments": 2**31}, "comments"),
        ({"retweets": 2**31}, "retweets"),
        ({"author_followers": 2**63}, "author_followers"),
        ({"author_followers": 10**30}, "author_followers"),
        ({"author_followers": 1e30}, "author_followers"),
        ({"likes": 1.7}, "likes"),
        ({"likes": "1.7"}, "likes"),
        ({"likes": float("nan")}, "likes"),
        ({"likes": float("inf")}, "likes"),
        ({"likes": True}, "likes"),
        ({"shares": "9" * 5000}, "shares"),
        ({"id": float("nan")}, "id"),
        ({"author": {"nested": 1}}, "author"),
    ],
)
def test_values_the_store_cannot_keep_are_rejected_by_field(record: dict[str, object], field: str) -> None:
    assert _field_of(record) == field


def test_the_largest_values_that_fit_are_kept() -> None:
    mention = parse_mention(
        {
            **BASE,
            "source": "s" * 50,
            "id": "i" * 200,
            "author": "@" + "a" * 200,  # the '@' goes before the length counts
            "brand": "b" * 200,
            "url": "https://x.com/" + "u" * 1986,
            "lang": "x" * 8,
            "likes": 2**31 - 1,
            "shares": 2.0,  # a whole number written as a float is a whole number
            "comments": " 12 ",  # CSV
            "author_followers": 2**63 - 1,
            "text": "ż" * 100_000,
        }
    )
    assert (mention.likes, mention.shares, mention.comments) == (2**31 - 1, 2, 12)
    assert mention.author_followers == 2**63 - 1 and mention.author == "a" * 200


def test_a_url_too_long_to_be_an_id_gives_a_stable_derived_one() -> None:
    record = {**BASE, "url": "https://x.com/" + "u" * 500}
    derived = parse_mention(record).external_id
    assert derived.startswith("sha1:") and derived == parse_mention(dict(record)).external_id


def test_the_date_window_is_the_workspaces() -> None:
    from datetime import timedelta

    from stormwatch.ingest.window import TimeWindow

    fixed_now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    window = TimeWindow(
        earliest=datetime(2020, 1, 1, tzinfo=UTC), max_ahead=timedelta(hours=1), clock=lambda: fixed_now
    )
    assert _field_of({"created_at": "2019-12-31T23:00:00Z"}, window=window) == "created_at"
    assert _field_of({"created_at": "2026-03-02T13:00:01Z"}, window=window) == "created_at"
    assert parse_mention({**BASE, "created_at": "2026-03-02T12:59:00Z"}, window=window).created_at.hour == 12
    with pytest.raises(RecordError, match="in the future"):
        parse_mention({**BASE, "created_at": "2100-01-01T00:00:00Z"})


def test_error_messages_quote_a_huge_value_only_briefly() -> None:
    with pytest.raises(RecordError) as caught:
        parse_mention({**BASE, "likes": "x" * 1_000_000})
    assert len(str(caught.value)) < 200


def test_an_integer_too_long_to_print_is_still_a_clear_error() -> None:
    assert _field_of({"likes": 10**5000}) == "likes"
    assert _field_of({"id": 10**5000}) == "id"
