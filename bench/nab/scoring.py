"""NAB's scoring, written again from its description and code (numenta/NAB, ``nab/sweeper.py``).

A detector gives every step of a series an anomaly score in [0, 1]; a step *detects* when its score
reaches the threshold. Each labelled window (row indices, both ends included) counts once:

* its earliest detection scores ``tp_weight · σ(position) / σ(left edge)``, where the position runs
  from -1 at the left edge to about 0 at the right edge and ``σ(x) = 2 / (1 + e^{5x}) - 1``;
  later detections in the same window add nothing;
* a window with no detection scores ``-fn_weight``;
* every detection outside the windows scores ``fp_weight · σ(distance past the preceding window, in
  widths of that window)`` (between 0 right after a window and -1 far from it; -1 before the
  first window or more than three widths after one).

The first 15 % of each series (at most 750 rows) is NAB's probation: nothing there is scored.
The threshold is one per detector and profile, the one that maximises the sum over the corpus.
The sum is normalised so that the null detector (never alarms: every window missed) scores 0 and a
perfect one (every window caught at its left edge) 100.

Pure functions over lists; reading files is ``corpus.py``'s job.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROBATION_PERCENT = 0.15
PROBATION_CAP_ROWS = 5000  # NAB: min(floor(0.15 · rows), 0.15 · 5000)
NO_DETECTION_THRESHOLD = 1.1  # NAB's starting threshold: above every score, nothing detected

Window = tuple[int, int]  # first and last row index, both inside the window


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    tp_weight: float
    fn_weight: float
    fp_weight: float


# NAB's config/profiles.json; ``load_profiles`` reads the file when it is at hand.
DEFAULT_PROFILES = (
    Profile("standard", 1.0, 1.0, 0.11),
    Profile("reward_low_FP_rate", 1.0, 1.0, 0.22),
    Profile("reward_low_FN_rate", 1.0, 2.0, 0.11),
)


def load_profiles(path: Path) -> tuple[Profile, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    profiles = []
    for name, body in raw.items():
        try:
            costs = body["CostMatrix"]
            profiles.append(Profile(name, costs["tpWeight"], costs["fnWeight"], costs["fpWeight"]))
        except (KeyError, TypeError) as err:
            raise ValueError(f"{path}: profile {name!r} lacks CostMatrix field {err}") from err
    return tuple(profiles)


def scaled_sigmoid(position: float) -> float:
    """NAB's reward curve: ~+1 at position -1 (a window's left edge), 0 at 0, towards -1 after."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probation_length(rows: int) -> float:
    return min(math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * PROBATION_CAP_ROWS)


@dataclass(frozen=True, slots=True)
class Point:
    """A scorable step: its anomaly score, what detecting it is worth, and its window (None outside)."""

    row: int
    anomaly: float
    value: float
    window: int | None


def sweep(anomaly: Sequence[float], windows: Sequence[Window], profile: Profile) -> list[Point]:
    """What detecting each step would be worth under ``profile``, probation left out."""
    starts = {first: (first, last) for first, last in windows}
    probation = probation_length(len(anomaly))
    points = []
    current: Window | None = None
    previous: Window | None = None
    for row, score in enumerate(anomaly):
        if current is None and row in starts:
            current = starts[row]
        if current is not None:
            first, last = current
            width = last - first + 1
            value = scaled_sigmoid(-(last - row + 1) / width) * profile.tp_weight / MAX_TP
        elif previous is None:
            value = -profile.fp_weight
        else:
            first, last = previous
            past = abs(last - row) / max(last - first, 1)  # NAB divides by the width less one
            value = scaled_sigmoid(past) * profile.fp_weight
        if row >= probation:
            points.append(Point(row, score, value, None if current is None else current[0]))
        if current is not None and row == current[1]:
            previous, current = current, None
    return points


@dataclass(frozen=True, slots=True)
class ThresholdScore:
    threshold: float
    score: float
    tp: int
    fp: int
    fn: int


def scores_by_threshold(points: Iterable[tuple[object, Point]], profile: Profile) -> list[ThresholdScore]:
    """The score at every distinct threshold, highest threshold first (NAB's ``calcScoreByThreshold``).

    ``points`` pairs each point with its series, so that windows of different series stay apart.
    An entry's threshold detects every point whose anomaly score is at least that threshold."""
    ordered = sorted(points, key=lambda item: item[1].anomaly, reverse=True)
    windows = {(series, p.window) for series, p in ordered if p.window is not None}
    best: dict[tuple[object, int], float] = {}
    score = -profile.fn_weight * len(windows)
    tp = fp = 0
    threshold = NO_DETECTION_THRESHOLD
    table = []
    for series, point in ordered:
        if point.anomaly != threshold:
            table.append(ThresholdScore(threshold, score, tp, fp, len(windows) - tp))
            threshold = point.anomaly
        if point.window is None:
            fp += 1
            score += point.value
            continue
        key = (series, point.window)
        previous = best.get(key)
        if previous is None:
            tp += 1
            score += point.value + profile.fn_weight
            best[key] = point.value
        elif point.value > previous:
            score += point.value - previous
            best[key] = point.value
    table.append(ThresholdScore(threshold, score, tp, fp, len(windows) - tp))
    return table


def best_threshold(table: Sequence[ThresholdScore]) -> ThresholdScore:
    """The highest-scoring entry; among equals the highest threshold (NAB's ``max`` keeps the first)."""
    return max(table, key=lambda entry: entry.score)


def score_at(table: Sequence[ThresholdScore], threshold: float) -> ThresholdScore:
    """The entry that applies at ``threshold``: the lowest tabled threshold still >= it."""
    thresholds = [-entry.threshold for entry in table]  # ascending, for bisect
    index = bisect.bisect_right(thresholds, -threshold) - 1
    return table[max(index, 0)]


def step_scores(
    anomaly: Sequence[float], windows: Sequence[Window], profile: Profile, threshold: float
) -> list[float]:
    """Per-row scores as NAB writes them into results files (``S(t)_<profile>``): each window's
    score on its first row, each false positive's on its row, 0 elsewhere."""
    out = [0.0] * len(anomaly)
    best: dict[int, float] = {}
    for point in sweep(anomaly, windows, profile):
        if point.anomaly < threshold:
            continue
        if point.window is None:
            out[point.row] = point.value
        else:
            best[point.window] = max(best.get(point.window, -math.inf), point.value)
    probation = probation_length(len(anomaly))
    for first, _ in windows:
        if first >= probation:
            out[first] = best.get(first, -profile.fn_weight)
    return out


@dataclass(frozen=True, slots=True)
class CorpusScore:
    profile: str
    threshold: float
    raw: float
    normalised: float
    tp: int
    fp: int
    fn: int


def normalise(raw: float, windows: int, profile: Profile) -> float:
    """0 for the null detector (every window missed), 100 for a perfect one."""
    null = -profile.fn_weight * windows
    perfect = profile.tp_weight * windows
    return 100.0 * (raw - null) / (perfect - null)


def score_corpus(
    series: Mapping[str, tuple[Sequence[float], Sequence[Window]]],
    profile: Profile,
    threshold: float | None = None,
) -> CorpusScore:
    """A detector's score over a corpus (series name -> (anomaly scores, windows)), at ``threshold``
    or, by default, at the threshold that maximises it (NAB's per-profile search)."""
    points = [
        (name, p) for name, (anomaly, windows) in series.items() for p in sweep(anomaly, windows, profile)
    ]
    table = scores_by_threshold(points, profile)
    entry = best_threshold(table) if threshold is None else score_at(table, threshold)
    windows = sum(len(w) for _, w in series.values())
    return CorpusScore(
        profile.name,
        entry.threshold,
        entry.score,
        normalise(entry.score, windows, profile),
        entry.tp,
        entry.fp,
        entry.fn,
    )
