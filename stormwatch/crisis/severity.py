"""How bad a crisis is, on the 1–4 scale every alert and playbook uses.

The rule, in words, for each signal (a crisis takes the highest level its recent signals reach):

1. **Volume ratio** — how far the count rose above the brand's usual level for that time of day
   and week: ≥ 3× → 1, ≥ 6× → 2, ≥ 12× → 3, ≥ 25× → 4. Signals without a usual level (a story, trigger
   terms, a takeover) start at 1; a story carried by 20 or more accounts starts at 2.
2. **Reach** — one level more when the negative posts reach at least half a million followers.
3. **Speed** — one level more when it is accelerating: the last 10 minutes bring at least 1.5× the
   window's average pace, with at least 10 posts behind the signal.
4. **Negativity** — one level more when at least 80 % of the posts behind it are negative and there
   are at least 20 of them.
5. **Cause** — a hacked or leaking account is always at least 3, because harm grows with every
   minute it stays in the attacker's hands; a controversial action or a brand message gone wrong
   (the brand's own doing, so the press asks the brand) is at least 2.

The level never exceeds 4.
"""

from __future__ import annotations

from stormwatch.detection.signal import Signal

RATIO_STEPS = ((25.0, 4), (12.0, 3), (6.0, 2))
WIDE_REACH = 500_000
LARGE_STORY_AUTHORS = 20
ACCELERATING = 1.5
MIN_POSTS_FOR_SPEED = 10
VERY_NEGATIVE = 0.8
MIN_POSTS_FOR_NEGATIVITY = 20
CAUSE_FLOOR = {"account_compromise": 3, "controversial_action": 2, "communication_error": 2}


def severity_of(signal: Signal) -> int:
    return min(_base_level(signal) + len(aggravating_factors(signal)), 4)


def _base_level(signal: Signal) -> int:
    if signal.expected > 0:
        level = next((level for ratio, level in RATIO_STEPS if signal.ratio >= ratio), 1)
    else:
        level = 2 if signal.kind == "story" and signal.observed >= LARGE_STORY_AUTHORS else 1
    return max(level, CAUSE_FLOOR.get(signal.cause or "", 1))


def aggravating_factors(signal: Signal) -> list[str]:
    """What raised the level above the volume ratio, in words (used in the crisis's reason)."""
    factors = []
    if signal.reach is not None and signal.reach >= WIDE_REACH:
        factors.append(f"the posts reach {signal.reach:,} followers")
    if signal.growth is not None and signal.growth >= ACCELERATING and signal.observed >= MIN_POSTS_FOR_SPEED:
        factors.append("it is accelerating")
    if (
        signal.negative_share is not None
        and signal.negative_share >= VERY_NEGATIVE
        and signal.observed >= MIN_POSTS_FOR_NEGATIVITY
    ):
        factors.append(f"{signal.negative_share:.0%} of the posts are negative")
    return factors
