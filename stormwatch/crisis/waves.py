"""A crisis's stories and waves: how one matter unfolded, for the crisis room's timeline.

One crisis per matter (:mod:`stormwatch.crisis.manager`) means a long crisis holds many stories (the
CEO's apology, the hearing, a satire sketch) and comes in waves (each day's flare-up after a quiet
night). This module reads them back from the crisis's signals, pure and apart from the database:

* a **story** is every signal naming the same story (a near-duplicate group or a set of bursting
  words), with its key words, when it was first and last seen and the most people behind it;
* a **wave** is a run of signals with no pause longer than :data:`WAVE_PAUSE`, with its peak
  severity (from the crisis's openings, escalations and reopenings) and the stories in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WAVE_PAUSE = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class SignalSeen:
    """What the crisis room needs of one stored signal."""

    at: datetime
    kind: str
    story: str | None
    terms: tuple[str, ...]
    people: int


@dataclass(slots=True)
class Story:
    key: str
    terms: tuple[str, ...]
    first_at: datetime
    last_at: datetime
    signals: int = 1
    people: int = 0


@dataclass(slots=True)
class Wave:
    number: int
    start: datetime
    end: datetime
    signals: int = 0
    people: int = 0
    severity: int = 0
    stories: list[str] = field(default_factory=list)  # key words of each story, as one phrase


def stories_of(signals: Iterable[SignalSeen]) -> list[Story]:
    """The crisis's stories, in the order they appeared."""
    stories: dict[str, Story] = {}
    for signal in sorted(signals, key=lambda s: s.at):
        if signal.story is None:
            continue
        story = stories.get(signal.story)
        if story is None:
            stories[signal.story] = Story(signal.story, signal.terms, signal.at, signal.at, 1, signal.people)
            continue
        story.last_at = signal.at
        story.signals += 1
        story.people = max(story.people, signal.people)
    return list(stories.values())


def waves_of(signals: Iterable[SignalSeen], severities: Sequence[tuple[datetime, int]]) -> list[Wave]:
    """The crisis's waves: runs of signals without a pause over :data:`WAVE_PAUSE`, each with the
    highest severity announced during it (``severities``: (at, level) of openings, escalations and
    reopenings)."""
    waves: list[Wave] = []
    for signal in sorted(signals, key=lambda s: s.at):
        if not waves or signal.at - waves[-1].end > WAVE_PAUSE:
            waves.append(Wave(len(waves) + 1, signal.at, signal.at))
        wave = waves[-1]
        wave.end = signal.at
        wave.signals += 1
        wave.people = max(wave.people, signal.people)
        phrase = ", ".join(signal.terms[:3])
        if signal.story is not None and phrase and phrase not in wave.stories:
            wave.stories.append(phrase)
    for wave in waves:
        inside = [level for at, level in severities if wave.start <= at <= wave.end]
        wave.severity = max(inside, default=0)
    return waves
