"""How bad a crisis is, on the 1–4 scale every alert and playbook uses.

The rule, in words: the level follows how far negative mentions rose above the brand's usual
level in the detection window (≥3× → 1, ≥6× → 2, ≥12× → 3, ≥25× → 4); one level more when the
negative posts reach at least half a million followers; a hacked or leaking account is always at
least 3, because harm grows with every minute it stays in the attacker's hands.
"""

from __future__ import annotations

from stormwatch.detection.models import Signal

RATIO_STEPS = ((25.0, 4), (12.0, 3), (6.0, 2))
WIDE_REACH = 500_000


def severity_of(signal: Signal) -> int:
    level = next((level for ratio, level in RATIO_STEPS if signal.ratio >= ratio), 1)
    if signal.reach >= WIDE_REACH:
        level += 1
    if signal.cause == "account_compromise":
        level = max(level, 3)
    return min(level, 4)
