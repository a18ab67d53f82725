"""Near-duplicate groups: copies share a group, also across a restart of the process."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from stormwatch.analysis import near_duplicates
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.service import EnrichedMention, MentionAnalyzer
from stormwatch.ingest.mention import MentionIn

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
ORIGINAL = "Northwind lost my bag in Boston and the desk staff just laughed at me, never again"


class NeutralJudge:
    """Near-duplicate grouping does not depend on the judgement: every text is neutral here."""

    def judge(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[TextJudgement]:
        return [TextJudgement(lang="en", sentiment="neutral", sentiment_score=0.0, cause=None) for _ in texts]


def mention(number: int, text: str, minutes: float = 0.0) -> MentionIn:
    return MentionIn(
        source="twitter",
        external_id=f"m{number}",
        text=text,
        created_at=START + timedelta(minutes=minutes),
        brand="Northwind Air",
        author=f"author{number}",
    )


def groups(enriched: Sequence[EnrichedMention]) -> list[str | None]:
    return [e.duplicate_group for e in enriched]


def test_copies_share_the_first_posts_group_and_short_posts_get_none() -> None:
    analyzer = MentionAnalyzer(NeutralJudge())
    enriched = analyzer.enrich(
        [
            mention(1, ORIGINAL),
            mention(2, f"RT @angry: {ORIGINAL} https://t.co/x1", 1),
            mention(3, f"@northwind {ORIGINAL.upper()}", 2),
            mention(4, "Lovely crew on the flight to Oslo today, landed early and the coffee was great", 3),
            mention(5, "thanks!", 4),
        ]
    )
    assert groups(enriched) == ["m1", "m1", "m1", "m4", None]


def test_after_a_restart_a_copy_joins_the_group_its_original_got_before() -> None:
    before = MentionAnalyzer(NeutralJudge()).enrich([mention(1, ORIGINAL), mention(2, f"RT {ORIGINAL}", 5)])

    forgetful = MentionAnalyzer(NeutralJudge())
    assert groups(forgetful.enrich([mention(3, f"{ORIGINAL}!!", 30)])) == ["m3"]

    restarted = MentionAnalyzer(NeutralJudge())
    restarted.remember(before)
    assert groups(restarted.enrich([mention(3, f"{ORIGINAL}!!", 30)])) == ["m1"]


def test_remembered_posts_older_than_the_index_memory_are_forgotten() -> None:
    restarted = MentionAnalyzer(NeutralJudge())
    restarted.remember(MentionAnalyzer(NeutralJudge()).enrich([mention(1, ORIGINAL)]))
    assert groups(restarted.enrich([mention(3, ORIGINAL, minutes=25 * 60)])) == ["m3"]


def _simhash_by_definition(tokens: list[str]) -> int:
    """SimHash as its docstring defines it, one text and one bit at a time: the majority vote of
    the hashes of the words and of the ordered pairs of adjacent words."""
    words = [near_duplicates._stable_hash(word) for word in tokens]
    pairs = [
        int(near_duplicates._pair_hashes(np.array([a], dtype=np.uint64), np.array([b], dtype=np.uint64))[0])
        for a, b in itertools.pairwise(words)
    ]
    features = words + pairs
    return sum(1 << bit for bit in range(64) if 2 * sum(f >> bit & 1 for f in features) > len(features))


def test_batched_simhashes_follow_the_definition_and_survive_a_cache_reset() -> None:
    texts = [
        ORIGINAL,
        "lost bag lost bag lost bag",  # repeated words and pairs
        "one",  # a single word has no pairs
        "Zgubili mój bagaż w Gdańsku, obsługa się śmiała",
        "bag lost",  # order matters: not the same pairs as "lost bag"
    ]
    tokens = [near_duplicates.normalised_tokens(text) for text in texts]
    expected = [_simhash_by_definition(t) for t in tokens]
    assert near_duplicates.simhashes(tokens) == expected
    assert [near_duplicates.simhash(t) for t in tokens] == expected
    near_duplicates._word_hash_cache.clear()
    assert near_duplicates.simhashes(tokens[::-1]) == expected[::-1]
    assert len(set(expected)) == len(expected)
