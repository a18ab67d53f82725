"""Which injects and branches are due: a pure function of the scenario, the clock and the actions.

Given the same scenario, clock position and team actions it always gives the same posts, so the
service can ask again after a restart and ingest only what is new (ingestion is idempotent on the
posts' ids). Every post keeps its scenario time: skipping ahead releases the skipped posts with
the times they were written for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from random import Random

from stormwatch.drill.scenario import INACTION_CONDITIONS, Branch, Inject, Post, Scenario

# An action the team took, on the scenario clock. ``kind`` is one of the conditions a branch can
# wait for that the team's work produces ("acknowledged", "holding_statement", "public_reply_ok",
# "reply_blames_customer", "reply_wrong_language") or "manual_inject" (``ref`` = the inject).
FIRST_NAMES = {
    "en": ["alex", "jordan", "sam", "kate", "liam", "olivia", "noah", "mia", "ethan", "chloe", "ryan", "zoe"],
    "pl": ["kasia", "marek", "ola", "tomek", "agnieszka", "pawel", "magda", "kuba", "ewa", "bartek", "zuza", "piotr"],
}  # fmt: skip
SUFFIXES = ["", "_", ".", "_pl", "88", "_official", "x", "2", "_w", "_k"]
ECHOES = {
    "en": ["Same here.", "This.", "Exactly what happened to me.", "Can confirm.", "Still no answer for me either.", "+1"],
    "pl": ["U mnie to samo.", "Dokładnie.", "Potwierdzam.", "Też czekam na odpowiedź.", "To samo w Krakowie.", "+1"],
}  # fmt: skip
RESHARED = ("twitter", "x")


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    at: timedelta
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Fired:
    branch: str
    at: timedelta


@dataclass(frozen=True, slots=True)
class ScheduledPost:
    id: str  # "<inject>-<n>", unique within the drill
    inject: str
    at: timedelta
    post: Post
    lang: str


@dataclass(frozen=True, slots=True)
class Plan:
    fired: list[Fired]
    posts: list[ScheduledPost]  # every post due at the position, in time order
    injects_started: dict[str, timedelta]  # inject id → when its first post is due


def fired_branches(scenario: Scenario, position: timedelta, actions: list[Action]) -> list[Fired]:
    """The branches that fired by ``position``, each at the moment it fired, in time order."""
    fired = []
    for branch in scenario.branches:
        moment = _fires_at(branch, position, actions)
        if moment is not None:
            fired.append(Fired(branch.id, moment))
    return sorted(fired, key=lambda f: (f.at, f.branch))


def _fires_at(branch: Branch, position: timedelta, actions: list[Action]) -> timedelta | None:
    if branch.when in INACTION_CONDITIONS:
        assert branch.within is not None  # validated
        wanted = branch.when.removeprefix("no_")
        wanted = "acknowledged" if wanted == "acknowledgement" else wanted
        done = any(a.kind == wanted and a.at <= branch.within for a in actions)
        return branch.within if position >= branch.within and not done else None
    moments = [a.at for a in actions if a.kind == branch.when and a.at <= position]
    if branch.within is not None:
        moments = [m for m in moments if m <= branch.within]
    return min(moments) if moments else None


def plan(scenario: Scenario, position: timedelta, actions: list[Action]) -> Plan:
    fired = fired_branches(scenario, position, actions)
    starts = _inject_starts(scenario, fired, actions)
    posts: list[ScheduledPost] = []
    for inject_id, start in starts.items():
        inject = scenario.inject(inject_id)
        scale = _scale(scenario, fired, start) if inject.count else 1.0
        posts.extend(expand(inject, start, scale))
    due = sorted((p for p in posts if p.at <= position), key=lambda p: (p.at, p.id))
    return Plan(fired, due, {i: s for i, s in starts.items() if s <= position})


def _inject_starts(scenario: Scenario, fired: list[Fired], actions: list[Action]) -> dict[str, timedelta]:
    starts = {inject.id: inject.at for inject in scenario.injects if inject.at is not None}
    for f in fired:
        for inject in scenario.branch(f.branch).then:
            starts[inject.id] = f.at + (inject.at or timedelta(0))
    for action in actions:  # fired by hand: now, or earlier than written
        if action.kind == "manual_inject" and action.ref is not None:
            starts[action.ref] = min(starts.get(action.ref, action.at), action.at)
    return {i: at for i, at in starts.items() if at is not None}


def wave_language(scenario: Scenario, fired: list[Fired], actions: list[Action], at: timedelta) -> str | None:
    """The language of the wave running at ``at``: of the inject still running then that started last,
    else of the last one that started before it; None before the first. Only injects started strictly
    before ``at`` count: a text answers what was being said, not what it set off."""
    started = [(start, i) for i, start in _inject_starts(scenario, fired, actions).items() if start < at]
    running = [(start, i) for start, i in started if at <= start + scenario.inject(i).over]
    if not (running or started):
        return None
    _, inject_id = max(running or started)
    return scenario.inject(inject_id).lang


def _scale(scenario: Scenario, fired: list[Fired], start: timedelta) -> float:
    """Waves that start after a branch fired grow or calm down by its factor."""
    factor = 1.0
    for f in fired:
        if f.at < start:
            factor *= scenario.branch(f.branch).scale_later_waves
    return factor


def expand(inject: Inject, start: timedelta, scale: float = 1.0) -> list[ScheduledPost]:
    """The inject's posts with their times: written posts first, then echoes of them by other people."""
    count = max(1, round(inject.size * scale)) if inject.count else len(inject.posts)
    rng = Random(f"{inject.id}:{count}")  # the same drill gives the same posts
    step = inject.over / count if count else timedelta(0)
    out = []
    for n in range(count):
        written = inject.posts[n % len(inject.posts)]
        post = written if n < len(inject.posts) else _echo(written, inject.lang, rng, n)
        jitter = step * rng.uniform(0, 0.8) if n else timedelta(0)
        out.append(
            ScheduledPost(
                f"{inject.id}-{n}", inject.id, start + step * n + jitter, post, post.lang or inject.lang
            )
        )
    return out


def _echo(original: Post, lang: str, rng: Random, n: int) -> Post:
    """Someone else repeating the post: a share on networks that have them, else a 'me too'."""
    author = rng.choice(FIRST_NAMES[lang]) + rng.choice(SUFFIXES) + str(n % 97)
    followers = int(rng.lognormvariate(5.0, 1.3))
    if original.source in RESHARED:
        text = f"RT @{original.author}: {original.text}"
    else:
        text = f"{rng.choice(ECHOES[lang])} {original.text}"
    return original.model_copy(
        update={"author": author, "followers": followers, "text": text[:5000], "url": None, "note": None}
    )
