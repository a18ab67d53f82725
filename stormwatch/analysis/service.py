"""The analysis stage: a mention in, the same mention with its enrichment out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from stormwatch.analysis.cause import CauseCorrection
from stormwatch.analysis.models import TextJudgement
from stormwatch.analysis.near_duplicates import MIN_TOKENS, NearDuplicateIndex, normalised_tokens, simhashes
from stormwatch.ingest.mention import MentionIn


class TextJudge(Protocol):
    """Anything that judges texts; :class:`stormwatch.analysis.text_analyzer.TextAnalyzer` in the product."""

    def judge(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[TextJudgement]: ...


@runtime_checkable
class CorrectableJudge(TextJudge, Protocol):
    """A judge that can follow a workspace's cause corrections (the product's ``TextAnalyzer``)."""

    def with_corrections(self, corrections: Sequence[CauseCorrection]) -> CorrectableJudge: ...


@dataclass(frozen=True, slots=True)
class EnrichedMention:
    mention: MentionIn
    judgement: TextJudgement
    duplicate_group: str | None

    @property
    def brand(self) -> str:
        assert self.mention.brand is not None
        return self.mention.brand

    @property
    def is_negative(self) -> bool:
        return self.judgement.sentiment == "negative"


class MentionAnalyzer:
    """Judges batches of mentions and groups near-duplicates per brand, in arrival order."""

    def __init__(self, judge: TextJudge) -> None:
        self.judge = judge
        self._duplicates: dict[str, NearDuplicateIndex] = {}

    def enrich(self, mentions: Sequence[MentionIn]) -> list[EnrichedMention]:
        judgements = self.judge.judge([m.text for m in mentions], [m.lang for m in mentions])
        return self.attach(mentions, judgements)

    def attach(
        self, mentions: Sequence[MentionIn], judgements: Sequence[TextJudgement]
    ) -> list[EnrichedMention]:
        """Group mentions judged elsewhere (the cluster's stateless analysis workers), in order."""
        return [
            EnrichedMention(mention, judgement, self._group(mention, fingerprint))
            for mention, judgement, fingerprint in zip(
                mentions, judgements, _fingerprints(mentions), strict=True
            )
        ]

    def remember(self, enriched: Sequence[EnrichedMention]) -> None:
        """Index already grouped mentions (a restart's stored history, in order), so that a copy
        arriving after the restart joins the group its original got before it.

        Give the whole stored history in order, not only its last day: which post of a group stays in
        the index, and so when the group is forgotten, depends on everything that came before."""
        mentions = [e.mention for e in enriched]
        for item, fingerprint in zip(enriched, _fingerprints(mentions), strict=True):
            if fingerprint is not None and item.duplicate_group is not None:
                self._index(item.brand).remember(item.duplicate_group, item.mention.created_at, fingerprint)

    def _group(self, mention: MentionIn, fingerprint: int | None) -> str | None:
        if fingerprint is None:
            return None  # too short to tell a copy from a coincidence
        index = self._index(mention.brand or "")
        return index.assign(mention.external_id, mention.text, mention.created_at, fingerprint)

    def _index(self, brand: str) -> NearDuplicateIndex:
        index = self._duplicates.get(brand)
        if index is None:  # not setdefault: that would build an index for every mention
            index = self._duplicates[brand] = NearDuplicateIndex()
        return index


def _fingerprints(mentions: Sequence[MentionIn]) -> list[int | None]:
    """Each mention's SimHash, None for posts too short to tell a copy from a coincidence."""
    tokens = [normalised_tokens(m.text) for m in mentions]
    long_enough = [i for i, words in enumerate(tokens) if len(words) >= MIN_TOKENS]
    fingerprints: list[int | None] = [None] * len(mentions)
    for i, fingerprint in zip(long_enough, simhashes([tokens[i] for i in long_enough]), strict=True):
        fingerprints[i] = fingerprint
    return fingerprints
