"""What a drill scenario holds, validated: the storyline of injects, the branches, the scoring weights.

Times are written as durations after the drill's start ("25m", "1h30m", "90s"), the way a
facilitator's script reads; a branch's own injects are timed from the moment it fires.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from stormwatch.analysis.models import CAUSES

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")


def parse_duration(value: object) -> timedelta:
    """``"1h30m"``, ``"25m"``, ``"90s"`` or a number of minutes."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(minutes=float(value))
    match = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"not a duration: {value!r} (write e.g. 30m, 1h30m, 90s)")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

SOURCES = (
    "twitter", "x", "facebook", "instagram", "tiktok", "google_reviews", "trustpilot", "news", "blog",
    "reddit", "youtube", "linkedin", "forum", "email",
)  # fmt: skip
# Conditions a branch can wait for. Inactions need ``within``: they fire when it passes unmet.
ACTION_CONDITIONS = (
    "acknowledged",  # someone acknowledged the crisis
    "holding_statement",  # a public text went out (published to the sandbox)
    "public_reply_ok",  # a public text passed every check
    "reply_blames_customer",  # a public text blamed the customer
    "reply_wrong_language",  # a public text not in the wave's language
)
INACTION_CONDITIONS = ("no_acknowledgement", "no_holding_statement", "no_public_reply_ok")
Condition = Literal[
    "acknowledged", "holding_statement", "public_reply_ok", "reply_blames_customer",
    "reply_wrong_language", "no_acknowledgement", "no_holding_statement", "no_public_reply_ok",
]  # fmt: skip
WEIGHT_NAMES = (
    "detection", "acknowledge", "assign", "holding_statement", "steps_on_time", "approvals",
    "escalation", "text_checks",
)  # fmt: skip
DEFAULT_WEIGHTS = {name: 1.0 for name in WEIGHT_NAMES} | {"holding_statement": 2.0, "text_checks": 2.0}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Post(_Strict):
    """One post as it would arrive: who wrote it, where, to how many people."""

    text: str = Field(min_length=1, max_length=5000)
    author: str = Field(min_length=1, max_length=100)
    source: Literal[SOURCES] = "twitter"  # type: ignore[valid-type]
    followers: int | None = Field(default=None, ge=0)
    lang: Literal["en", "pl"] | None = None  # the wave's language when left out
    url: str | None = None
    likes: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    note: str | None = None  # for the facilitator: what the post stands for (a leaked screenshot…)


class Inject(_Strict):
    """A piece of the storyline: a wave of posts spread over ``over``, or single posts at ``at``.

    A wave's ``count`` posts cycle through its ``posts`` (shares and quotes of them, as a real wave
    repeats its strongest voices); without ``at`` an inject waits for the facilitator to fire it."""

    id: Identifier
    title: str = Field(min_length=1)
    at: Duration | None = None
    over: Duration = timedelta(0)
    count: int | None = Field(default=None, ge=1, le=2000)
    lang: Literal["en", "pl"]
    posts: list[Post] = Field(min_length=1)

    @model_validator(mode="after")
    def _count_fits(self) -> Inject:
        if self.count is not None and self.count < len(self.posts):
            raise ValueError(f"count {self.count} is less than the {len(self.posts)} posts written")
        return self

    @property
    def size(self) -> int:
        return self.count or len(self.posts)


class Branch(_Strict):
    """What the storyline does when the team acts (or fails to act) in a certain way."""

    id: Identifier
    when: Condition
    within: Duration | None = None  # inactions: the time the team has; actions: only counts before it
    note: str = Field(min_length=1)  # what it teaches, shown in the report
    then: list[Inject] = Field(default_factory=list)  # timed from the moment the branch fires
    scale_later_waves: float = Field(default=1.0, gt=0, le=10)  # 2.0: later waves double; 0.3: calm down

    @model_validator(mode="after")
    def _inaction_needs_time(self) -> Branch:
        if self.when in INACTION_CONDITIONS and self.within is None:
            raise ValueError(f"'{self.when}' is an inaction: say within how long (within: 30m)")
        return self


class Baseline(_Strict):
    """The brand's calm days before the drill, so that detection has something to compare with."""

    hours: int = Field(default=36, ge=6, le=24 * 7)
    per_hour: int = Field(default=10, ge=1, le=200)
    posts: list[Post] = Field(min_length=3)


class Checks(_Strict):
    """What the public texts are checked against (see :mod:`stormwatch.drill.checks`)."""

    apology_expected: bool = True
    forbidden_promises: list[str] = Field(default_factory=list)  # phrases besides the built-in ones
    max_length: int | None = Field(default=None, ge=20)  # else the network's limit


class Scenario(_Strict):
    name: Identifier
    version: int = Field(default=1, ge=1)
    title: str = Field(min_length=1)
    brand: str = Field(min_length=1)  # the brand the storyline is about (a drill can name another)
    cause: Literal[(*CAUSES, "mixed")]  # type: ignore[valid-type]
    languages: list[Literal["en", "pl"]] = Field(min_length=1)
    network: Literal[SOURCES] = "twitter"  # type: ignore[valid-type]
    summary: str = Field(min_length=1)
    duration: Duration
    expect_detection_within: Duration = timedelta(minutes=30)
    baseline: Baseline
    injects: list[Inject] = Field(min_length=1)
    branches: list[Branch] = Field(default_factory=list)
    weights: dict[Literal[WEIGHT_NAMES], float] = Field(default_factory=dict)  # type: ignore[valid-type]
    checks: Checks = Checks()

    @model_validator(mode="after")
    def _unique_ids_and_times(self) -> Scenario:
        seen: set[str] = set()
        every = [*self.injects, *(inject for branch in self.branches for inject in branch.then)]
        for inject in every:
            if inject.id in seen:
                raise ValueError(f"inject id {inject.id!r} is used twice")
            seen.add(inject.id)
        for inject in self.injects:
            if inject.at is not None and inject.at > self.duration:
                raise ValueError(f"inject {inject.id!r} is at {inject.at}, after the drill's end")
        branch_ids = [branch.id for branch in self.branches]
        if len(set(branch_ids)) != len(branch_ids):
            raise ValueError("two branches have the same id")
        if not any(inject.at is not None for inject in self.injects):
            raise ValueError("no inject has a time (at:); the drill would wait for ever")
        return self

    def weight(self, name: str) -> float:
        return float(self.weights.get(name, DEFAULT_WEIGHTS[name]))

    def inject(self, inject_id: str) -> Inject:
        for inject in [*self.injects, *(i for branch in self.branches for i in branch.then)]:
            if inject.id == inject_id:
                return inject
        raise KeyError(f"no inject {inject_id!r} in scenario {self.name}")

    def branch(self, branch_id: str) -> Branch:
        for branch in self.branches:
            if branch.id == branch_id:
                return branch
        raise KeyError(branch_id)
