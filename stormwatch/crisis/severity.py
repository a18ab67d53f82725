"""How bad a crisis is, on the 1–4 scale every alert and playbook uses.

The scale means impact, not surprise: a ratio to a tiny usual rate explodes at small counts (five
fan replies against a usual 0.2 are 25×), so the level is driven by absolute evidence — how many
distinct people, how far they reach, whether the press or large accounts are among them, whether
it spreads across sources and languages, how fast — and the ratio can only confirm it. The words
and thresholds are in docs/detection.md ("Severity"); per signal (a crisis takes the highest level
its recent signals reach):

1. **People** — independent voices behind the signal's posts: distinct authors, n authors of copies
   of one post counting √n together (a bot network pushing one link is one voice), and those who
   only tag the brand in someone else's conversation counting a third (:data:`TAGGED_WEIGHT`):
   ≥ 20 → 2, ≥ 100 → 3, ≥ 500 → 4.
2. **Ratio** — how far the count rose above the brand's usual level: ≥ 6× → 2, ≥ 12× → 3, ≥ 25× → 4,
   but only as far as the people allow (the ceiling below).
3. **Amplifiers** — one level more for each of: reach ≥ 1,000,000 known followers, a large account
   (≥ 100,000 followers) or the press among them, spread over ≥ 3 languages or ≥ 3 sources,
   accelerating (the last 10 minutes ≥ 1.5× the window's pace), ≥ 80 % negative. At most two.
4. **Ceiling** — fewer than 30 people: at most 2 (a handful of posts is never "drop everything");
   fewer than 150: at most 3.
5. **Cause** — a hacked own account is at least 3 at any volume (harm grows with every minute in
   the attacker's hands); a controversial action or a brand message gone wrong, the brand's own
   doing, at least 2.

Unknown follower counts are unknown, not zero: they neither raise nor cap the level.
"""

from __future__ import annotations

from stormwatch.detection.signal import Audience, Signal

PEOPLE_STEPS = ((500, 4), (100, 3), (20, 2))
RATIO_STEPS = ((25.0, 4), (12.0, 3), (6.0, 2))
CEILINGS = ((30, 2), (150, 3))  # fewer people than this → at most that level
TAGGED_WEIGHT = 1 / 3  # a person who only tags the brand in someone else's thread
WIDE_REACH = 1_000_000
MANY_LANGUAGES = 3
MANY_SOURCES = 3
MAX_AMPLIFIERS = 2
ACCELERATING = 1.5
MIN_POSTS_FOR_SPEED = 10
VERY_NEGATIVE = 0.8
MIN_POSTS_FOR_NEGATIVITY = 20
CAUSE_FLOOR = {"account_compromise": 3, "controversial_action": 2, "communication_error": 2}
LABELS = {1: "watch", 2: "elevated", 3: "high", 4: "critical"}


def severity_of(signal: Signal) -> int:
    people = weighted_people(signal)
    level = max(_people_level(people), _ratio_level(signal))
    level += min(len(aggravating_factors(signal)), MAX_AMPLIFIERS)
    level = min(level, _ceiling(people), 4)
    return max(level, CAUSE_FLOOR.get(signal.cause or "", 1))


def weighted_people(signal: Signal) -> float:
    """Distinct people behind the signal, tag-only authors counting :data:`TAGGED_WEIGHT`. Without an
    audience (an older or hand-made signal) its observed count stands in."""
    audience = signal.audience
    if audience is None:
        return signal.observed
    return audience.voices_about + TAGGED_WEIGHT * audience.voices_tagged


def _people_level(people: float) -> int:
    return next((level for floor, level in PEOPLE_STEPS if people >= floor), 1)


def _ratio_level(signal: Signal) -> int:
    if signal.expected <= 0:
        return 1
    return next((level for ratio, level in RATIO_STEPS if signal.ratio >= ratio), 1)


def _ceiling(people: float) -> int:
    return next((level for below, level in CEILINGS if people < below), 4)


def aggravating_factors(signal: Signal) -> list[str]:
    """What raised the level above people and ratio, in words (used in the crisis's reason)."""
    factors = []
    audience = signal.audience
    if signal.reach is not None and signal.reach >= WIDE_REACH:
        factors.append(f"the posts reach {signal.reach:,} followers")
    if audience is not None:
        factors.extend(_spread(audience))
    if signal.growth is not None and signal.growth >= ACCELERATING and signal.observed >= MIN_POSTS_FOR_SPEED:
        factors.append("it is accelerating")
    if (
        signal.negative_share is not None
        and signal.negative_share >= VERY_NEGATIVE
        and signal.observed >= MIN_POSTS_FOR_NEGATIVITY
    ):
        factors.append(f"{signal.negative_share:.0%} of the posts are negative")
    return factors


def _spread(audience: Audience) -> list[str]:
    factors = []
    if audience.press or audience.large_accounts:
        who = []
        if audience.press:
            who.append(f"{audience.press} from the press")
        if audience.large_accounts:
            who.append(f"{audience.large_accounts} with over 100,000 followers")
        factors.append(" and ".join(who) + " among the authors")
    if audience.languages >= MANY_LANGUAGES or audience.sources >= MANY_SOURCES:
        factors.append(
            f"it spreads over {_count(audience.languages, 'language')} and {_count(audience.sources, 'source')}"
        )
    return factors


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def why(signal: Signal, severity: int) -> str:
    """One sentence on why the level is what it is, in the words of the scale."""
    people = weighted_people(signal)
    audience = signal.audience
    if audience is None:
        counted = f"{signal.observed:.0f} posts or accounts"
    else:
        counted = f"{audience.people} people, weighing as {people:.0f} independent voices"
        if audience.tagged_only:
            counted += f" ({audience.tagged_only} only tag the brand in others' conversations)"
    factors = aggravating_factors(signal)
    parts = [f"Severity {severity} ({LABELS[severity]}): {counted}"]
    if factors:
        parts.append(", ".join(factors))
    capped = severity < 4 and _ceiling(people) == severity and signal.cause != "account_compromise"
    if capped:
        parts.append(f"no higher while fewer than {_next_ceiling(people)} people are behind it")
    return "; ".join(parts) + "."


def _next_ceiling(people: float) -> int:
    return next(below for below, _ in CEILINGS if people < below)
