"""Signals: what a detector saw in a brand's stream, with the evidence a person can check.

Value objects only: the replay passes them on without loading the database layer (the stored
form is :class:`stormwatch.detection.models.SignalRecord`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stormwatch.analysis.models import Cause


@dataclass(frozen=True, slots=True)
class Example:
    """A post a person should read first: the widest-reaching ones behind a signal."""

    mention_id: str
    author: str | None
    followers: int | None  # None: unknown
    text: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.mention_id, "author": self.author, "followers": self.followers, "text": self.text}


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is behind a signal's posts: the absolute evidence its severity weighs (ratios explode at
    small counts; people, reach and spread do not).

    ``people`` are the distinct authors. *Voices* weigh them: copies of one post (a near-duplicate
    group, retweets, a bot network pushing one link) are one voice amplified, so n authors of copies
    count √n together; and an author who only tags the brand in someone else's conversation (a
    sponsor's handle in a club's thread, a handle in a reply chain) is kept apart in
    ``voices_tagged`` from those writing about the brand (``voices_about``). Follower counts are
    *unknown* where a source sends none (it then sends 0): ``known_reach`` says how many authors had
    one, and the signal's reach sums those.
    """

    people: int
    voices_about: float
    voices_tagged: float
    tagged_only: int  # authors with no post about the brand, only tags
    known_reach: int
    large_accounts: int  # authors with at least 100,000 followers
    press: int  # authors posting from a news source (RSS, news sites)
    sources: int
    languages: int

    def as_json(self) -> dict[str, object]:
        return {
            "people": self.people,
            "voices_about_brand": round(self.voices_about, 1),
            "voices_only_tagging": round(self.voices_tagged, 1),
            "people_only_tagging": self.tagged_only,
            "authors_with_known_followers": self.known_reach,
            "large_accounts": self.large_accounts,
            "press": self.press,
            "sources": self.sources,
            "languages": self.languages,
        }


@dataclass(frozen=True, slots=True, eq=False)
class Signal:
    brand: str
    kind: str  # e.g. "negative_surge", "trigger_terms"
    at: datetime  # event time at which the detector fired
    observed: float  # what was counted in the window
    expected: float  # what the baseline predicted for the same window
    window: timedelta
    cause: Cause | None
    reach: int | None  # followers of the authors behind the observed posts; None: none known
    example_ids: tuple[str, ...]
    summary: str  # one sentence for a person
    terms: tuple[str, ...] = field(default=())
    # The story this signal belongs to (a near-duplicate group or a set of bursting terms), if any:
    # the crisis manager keeps one crisis per brand and story.
    story: str | None = None
    examples: tuple[Example, ...] = field(default=())
    negative_share: float | None = None  # share of negative posts among the observed ones
    growth: float | None = None  # posts in the last 10 minutes per 10 minutes of the window
    evidence: Mapping[str, object] = field(default_factory=dict)  # extra numbers, JSON-ready
    audience: Audience | None = None  # who is behind the posts (None: a signal about one account)

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")

    def evidence_json(self) -> dict[str, object]:
        """Everything a person can check, for the signal's and the crisis timeline's stored evidence."""
        return {
            "signal": self.kind,
            "observed": round(self.observed, 2),
            "expected": round(self.expected, 2),
            "window_minutes": int(self.window.total_seconds() // 60),
            "reach": self.reach,
            "example_ids": list(self.example_ids),
            "examples": [example.as_json() for example in self.examples],
            "terms": list(self.terms),
            "story": self.story,
            "negative_share": None if self.negative_share is None else round(self.negative_share, 3),
            **(self.audience.as_json() if self.audience else {}),
            **self.evidence,
        }
