"""Recommendations derived from a review's figures, each with the reason the figures give.

Pure: takes :func:`stormwatch.report.figures.review_figures`' dictionary and the drills run, and
returns what to do and why as English message ids with their values, said in the reader's
language when rendered (:mod:`stormwatch.report.render`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

EARLIER_ENOUGH_MINUTES = 15  # a trigger term worth adding would have fired at least this much sooner
RISE = 0.02  # a negative share "rises" when it grows by two points or more


@dataclass(frozen=True)
class Recommendation:
    kind: str
    action: str  # English message id with %(name)s values
    reason: str
    values: dict[str, Any] = field(default_factory=dict)


RECURRING_CAUSE = (
    "Review and rehearse the playbook for %(cause)s.",
    "Crises with this cause in the period: %(count)s (%(crises)s).",
)
LATE_STEP = (
    "Give these steps a standby owner or a realistic deadline: %(steps)s.",
    "Each was late or not done in more than half of the crises whose playbook had it (%(counts)s).",
)
TRIGGER_TERM = (
    "Add “%(term)s” to the trigger terms of %(brand)s.",
    "It was posted %(minutes)s min before crisis %(crisis)s was opened.",
)
RISING_NEGATIVE = (
    "Look into why people speak worse of %(brand)s.",
    "Its negative share rose in each third of the period: %(shares)s.",
)
NEVER_DRILLED = (
    "Run a drill of a crisis of %(cause)s.",
    "Crises with this cause in the period: %(count)s, and it was never drilled.",
)
MESSAGES = (RECURRING_CAUSE, LATE_STEP, TRIGGER_TERM, RISING_NEGATIVE, NEVER_DRILLED)


def recommend(figures: dict[str, Any], drills: list[dict[str, Any]]) -> list[Recommendation]:
    crises = figures["crises"]
    return [
        *_recurring_causes(crises),
        *_late_steps(crises),
        *_trigger_terms(crises),
        *_rising_negative(figures),
        *_never_drilled(crises, drills),
    ]


def _causes(crises: list[dict[str, Any]]) -> Counter[str]:
    return Counter(c["cause"] for c in crises if c["cause"])


def _recurring_causes(crises: list[dict[str, Any]]) -> list[Recommendation]:
    return [
        Recommendation(
            "recurring_cause",
            *RECURRING_CAUSE,
            {"cause": cause, "count": n, "crises": ", ".join(c["id"] for c in crises if c["cause"] == cause)},
        )
        for cause, n in _causes(crises).most_common()
        if n >= 2
    ]


def _late_steps(crises: list[dict[str, Any]]) -> list[Recommendation]:
    """Steps late (or not done) in more than half of the crises whose playbook has them, in one
    recommendation: the same team is short of hands for all of them."""
    late: Counter[str] = Counter()
    having: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for crisis in crises:
        steps = crisis["clock"]["steps"]
        titles |= crisis.get("step_titles", {})
        having.update([*steps["on_time"], *steps["late"], *steps["not_done"]])
        late.update([*steps["late"], *steps["not_done"]])
    chosen = [(step, n) for step, n in late.most_common() if having[step] >= 2 and n > having[step] / 2]
    if not chosen:
        return []
    return [
        Recommendation(
            "late_step",
            *LATE_STEP,
            {
                "steps": [titles.get(step, step) for step, _ in chosen],
                "counts": [(n, having[step]) for step, n in chosen],
            },
        )
    ]


def _trigger_terms(crises: list[dict[str, Any]]) -> list[Recommendation]:
    found: dict[tuple[str, str], Recommendation] = {}
    for crisis in crises:
        for early in crisis.get("early_terms", []):
            if early["minutes_earlier"] < EARLIER_ENOUGH_MINUTES:
                continue
            key = (crisis["brand"], early["term"].casefold())
            if key not in found or found[key].values["minutes"] < early["minutes_earlier"]:
                found[key] = Recommendation(
                    "trigger_term",
                    *TRIGGER_TERM,
                    {
                        "term": early["term"],
                        "brand": crisis["brand"],
                        "minutes": early["minutes_earlier"],
                        "crisis": crisis["id"],
                    },
                )
    return sorted(found.values(), key=lambda r: -int(r.values["minutes"]))


def _share(negative: int, mentions: int) -> float | None:
    return negative / mentions if mentions else None


def _rising_negative(figures: dict[str, Any]) -> list[Recommendation]:
    """A brand whose negative share rose from each third of the period to the next (and above the
    previous period's, when there was one): a trend, not one bad day."""
    found = []
    for brand, days in figures["trends"].items():
        if len(days) < 3:
            continue
        third = len(days) // 3
        parts = [days[:third], days[third : 2 * third], days[2 * third :]]
        shares = [_share(sum(d["negative"] for d in p), sum(d["mentions"] for d in p)) for p in parts]
        before = figures["previous_totals"][brand]
        previous = _share(before["negative"], before["mentions"])
        if any(share is None for share in shares):
            continue
        known = [share for share in shares if share is not None]
        sequence = known if previous is None else [previous, *known]
        if all(later >= earlier + RISE for earlier, later in pairwise(sequence)):
            found.append(
                Recommendation("rising_negative", *RISING_NEGATIVE, {"brand": brand, "shares": known})
            )
    return found


def _never_drilled(crises: list[dict[str, Any]], drills: list[dict[str, Any]]) -> list[Recommendation]:
    drilled = {d.get("cause") for d in drills}
    return [
        Recommendation("never_drilled", *NEVER_DRILLED, {"cause": cause, "count": n})
        for cause, n in _causes(crises).most_common()
        if cause not in drilled
    ]
