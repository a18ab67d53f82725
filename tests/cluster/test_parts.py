"""The cluster's pure parts: partitioning, assignment, message codec, reordering of results."""

from __future__ import annotations

from datetime import UTC, datetime

from stormwatch.analysis.models import TextJudgement
from stormwatch.cluster.codec import (
    Analysed,
    StoredMention,
    decode_analysed,
    decode_stored,
    encode_analysed,
    encode_stored,
)
from stormwatch.cluster.config import partition_of
from stormwatch.cluster.leases import assignment
from stormwatch.cluster.reorder import Reorder
from stormwatch.ingest.mention import MentionIn

MENTION = MentionIn(
    source="twitter",
    external_id="1",
    text="Żółć na pokładzie",
    created_at=datetime(2026, 3, 3, 15, 51, tzinfo=UTC),
    brand="Polana",
    author="a",
    author_followers=None,
    likes=3,
)


def _stored(number: int) -> StoredMention:
    return StoredMention(1, number, MENTION)


def _result(stored_seq: int) -> Analysed:
    return Analysed(stored_seq, stored_seq, TextJudgement("pl", "negative", -0.5, "customer_service"))


def test_messages_round_trip() -> None:
    assert decode_stored(encode_stored(_stored(7))) == _stored(7)
    assert decode_analysed(encode_analysed(_result(9))) == _result(9)


def test_partitions_are_stable_and_spread() -> None:
    # crc32, not Python's salted hash(): every process must agree (this value is fixed forever).
    assert partition_of(1, "Northwind Air", 8) == partition_of(1, "Northwind Air", 8)
    assert len({partition_of(1, f"brand {n}", 8) for n in range(200)}) == 8


def test_assignment_gives_every_partition_one_live_member_and_moves_little_on_join() -> None:
    two = assignment(["b", "a"], 8)
    assert set(two.values()) == {"a", "b"} and len(two) == 8
    three = assignment(["a", "b", "c"], 8)
    assert sorted(list(three.values()).count(m) for m in "abc") == [2, 3, 3]
    assert assignment([], 8) == {}


def test_results_are_released_in_stored_order_only() -> None:
    reorder = Reorder(applied_seq=0, next_analysed_seq=1)
    for seq in (1, 3, 4):
        reorder.add_stored(seq, _stored(seq))
    reorder.add_result(10, _result(3))  # a fast worker finished the later mention first
    assert reorder.ready(10) == []
    reorder.add_result(11, _result(1))
    assert [seq for seq, _, _ in reorder.ready(10)] == [1, 3]
    # Result 3 was consumed; the earliest result still needed has not been read: resume after 11.
    assert reorder.resume_analysed_seq() == 12
    reorder.add_result(12, _result(3))  # a redelivered duplicate of an applied result is ignored
    reorder.add_result(13, _result(4))
    assert reorder.resume_analysed_seq() == 13
    assert [seq for seq, _, _ in reorder.ready(10)] == [4]


def test_resume_point_is_the_earliest_unconsumed_result() -> None:
    reorder = Reorder(applied_seq=0, next_analysed_seq=1)
    reorder.add_stored(1, _stored(1))
    reorder.add_stored(2, _stored(2))
    reorder.add_result(5, _result(2))
    reorder.add_result(6, _result(1))
    assert len(reorder.ready(1)) == 1  # only mention 1 fits the limit; mention 2's result waits
    assert reorder.resume_analysed_seq() == 5
