"""Matching alerts to labelled events.

Alerts are the output lines of ``stormwatch detect`` (or the baseline): ``brand``, ``crisis_id``,
``at``, ``severity``, ``cause``.  A *crisis* is all lines sharing ``(brand, crisis_id)``; it is
*opened* at its first line.

Rules (all times event time; only the scored span ``[scored_start, end)`` of a world counts):

* **Detection.** A firestorm is detected when any alert line of its brand (an opening or a severity
  rise) falls in ``[onset - PRE_ONSET, end]``; ``end`` is the end of the event's decay.  Delay =
  first such line - onset, clipped at 0.  An alert after ``end`` is a miss.
* **False alarm.** A crisis opened in the scored span outside every firestorm's
  ``[onset - PRE_ONSET, end + COOLDOWN]`` and outside every praise spike's window (below).  Openings
  during harmless bumps are false alarms too (also counted separately as ``bump_alarms``).  Later
  lines of the same crisis are not counted again.
* **Praise alerts.** Crises opened, or lines raised, in ``[onset - PRE_ONSET, end + PRAISE_AFTER]``
  of a praise spike; reported as the number of spikes that raised any alert line and the number of
  crises opened there.  They are not counted as false alarms (they are worse: reported apart).
* **Brand-weeks** = sum over brands of the scored span in weeks.

Delays: median and 90th percentile (linear interpolation, ``numpy.percentile``) over *detected*
firestorms; misses only lower recall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bench.detection.timeline import parse_iso

PRE_ONSET = timedelta(minutes=15)
COOLDOWN = timedelta(hours=6)
PRAISE_AFTER = timedelta(hours=1)
BIG_MULTIPLE = 4.0


@dataclass(slots=True)
class Alert:
    brand: str
    crisis_id: str
    at: datetime
    severity: int = 1
    cause: str | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Alert:
        sev = d.get("severity")
        return cls(
            brand=str(d["brand"]),
            crisis_id=str(d.get("crisis_id")),
            at=parse_iso(str(d["at"])),
            severity=int(sev) if isinstance(sev, int | float) else 1,
            cause=d.get("cause"),
        )


@dataclass(slots=True)
class FirestormOutcome:
    label: dict[str, Any]
    detected: bool
    delay_min: float | None = None
    severity: int | None = None
    cause: str | None = None

    @property
    def multiple(self) -> float:
        return float(self.label["multiple"])


@dataclass(slots=True)
class Score:
    firestorms: list[FirestormOutcome] = field(default_factory=list)
    false_alarms: int = 0
    bump_alarms: int = 0
    brand_weeks: float = 0.0
    praise_spikes: int = 0
    praise_spikes_alerted: int = 0
    praise_crises: int = 0
    n_alert_lines: int = 0
    false_alarm_list: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.firestorms += other.firestorms
        self.false_alarms += other.false_alarms
        self.bump_alarms += other.bump_alarms
        self.brand_weeks += other.brand_weeks
        self.praise_spikes += other.praise_spikes
        self.praise_spikes_alerted += other.praise_spikes_alerted
        self.praise_crises += other.praise_crises
        self.n_alert_lines += other.n_alert_lines
        self.false_alarm_list += other.false_alarm_list

    def subset(self, pred: Any) -> list[FirestormOutcome]:
        return [f for f in self.firestorms if pred(f)]

    @staticmethod
    def recall(outcomes: Sequence[FirestormOutcome]) -> float | None:
        return sum(o.detected for o in outcomes) / len(outcomes) if outcomes else None

    @staticmethod
    def delays(outcomes: Sequence[FirestormOutcome]) -> list[float]:
        return [o.delay_min for o in outcomes if o.detected and o.delay_min is not None]

    @staticmethod
    def percentile(values: Sequence[float], q: float) -> float | None:
        return float(np.percentile(values, q)) if values else None

    def summary(self) -> dict[str, Any]:
        big = self.subset(lambda f: f.multiple >= BIG_MULTIPLE)
        d_big = self.delays(big)
        causes = [f for f in big if f.detected and f.label.get("cause") and f.cause is not None]
        return {
            "firestorms": len(self.firestorms),
            "firestorms_4x": len(big),
            "recall_4x": self.recall(big),
            "recall_all": self.recall(self.firestorms),
            "median_delay_min": self.percentile(d_big, 50),
            "p90_delay_min": self.percentile(d_big, 90),
            "false_alarms": self.false_alarms,
            "bump_alarms": self.bump_alarms,
            "brand_weeks": self.brand_weeks,
            "false_alarms_per_brand_week": self.false_alarms / self.brand_weeks if self.brand_weeks else None,
            "praise_spikes": self.praise_spikes,
            "praise_spikes_alerted": self.praise_spikes_alerted,
            "praise_crises": self.praise_crises,
            "cause_agreement": (sum(f.cause == f.label["cause"] for f in causes) / len(causes))
            if causes
            else None,
            "alert_lines": self.n_alert_lines,
        }


def score_world(labels: Mapping[str, Any], alerts: Iterable[Alert]) -> Score:
    """Score the alerts of one generated world against its labels (``timeline.labels_of``)."""
    scored_start = parse_iso(labels["scored_start"])
    end = parse_iso(labels["end"])
    brand_info = {b["name"]: b for b in labels["brands"]}
    brands = set(brand_info)
    by_brand: dict[str, list[Alert]] = {b: [] for b in brands}
    n_lines = 0
    for a in alerts:
        n_lines += 1
        by_brand.setdefault(a.brand, []).append(a)
    events = [dict(e) for e in labels["events"]]
    for e in events:
        for k in ("onset", "end"):
            e[f"_{k}"] = parse_iso(e[k])

    sc = Score(n_alert_lines=n_lines)
    sc.brand_weeks = len(brands) * (end - scored_start).total_seconds() / (7 * 86400)
    for brand, lines in by_brand.items():
        lines.sort(key=lambda a: a.at)
        evs = [e for e in events if e["brand"] == brand]
        fires = [e for e in evs if e["kind"] == "firestorm"]
        praises = [e for e in evs if e["kind"] == "praise"]
        bumps = [e for e in evs if e["kind"] == "bump"]
        for e in fires:
            lo, hi = e["_onset"] - PRE_ONSET, e["_end"]
            hit = next((a for a in lines if lo <= a.at <= hi), None)
            label = {k: v for k, v in e.items() if not k.startswith("_")}
            info = brand_info.get(brand, {})
            label["brand_base_per_day"] = info.get("base_per_day")
            langs: dict[str, float] = info.get("languages") or {}
            label["brand_main_lang"] = max(langs, key=lambda k: langs[k]) if langs else None
            if hit is None:
                sc.firestorms.append(FirestormOutcome(label, False))
            else:
                delay = max(0.0, (hit.at - e["_onset"]).total_seconds() / 60.0)
                sc.firestorms.append(FirestormOutcome(label, True, delay, hit.severity, hit.cause))

        def in_praise(t: datetime, praises: list[dict[str, Any]] = praises) -> bool:
            return any(p["_onset"] - PRE_ONSET <= t <= p["_end"] + PRAISE_AFTER for p in praises)

        for p in praises:
            sc.praise_spikes += 1
            if any(p["_onset"] - PRE_ONSET <= a.at <= p["_end"] + PRAISE_AFTER for a in lines):
                sc.praise_spikes_alerted += 1
        seen: set[str] = set()
        for a in lines:
            if a.crisis_id in seen:
                continue
            seen.add(a.crisis_id)
            if not (scored_start <= a.at < end):
                continue
            if any(e["_onset"] - PRE_ONSET <= a.at <= e["_end"] + COOLDOWN for e in fires):
                continue
            if in_praise(a.at):
                sc.praise_crises += 1
                continue
            sc.false_alarms += 1
            sc.false_alarm_list.append((brand, a.at.isoformat()))
            if any(b["_onset"] - PRE_ONSET <= a.at <= b["_end"] + PRAISE_AFTER for b in bumps):
                sc.bump_alarms += 1
    return sc
