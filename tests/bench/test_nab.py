"""NAB's scoring on hand-made series with known windows and detections, and ``bench.nab`` end to end."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench.nab import detector, run
from bench.nab.corpus import find_series, parse_time, read_results, window_rows
from bench.nab.scoring import DEFAULT_PROFILES, score_corpus, scores_by_threshold, step_scores, sweep

STANDARD, LOW_FP, LOW_FN = DEFAULT_PROFILES
ROWS = 3000  # probation: the first 450 rows (15 %)
FIRST, SECOND = (1000, 1099), (2500, 2599)  # two windows of 100 rows
SHARED_NAB = Path(__file__).resolve().parents[3] / "shared" / "data" / "nab"

# Worked by hand from NAB's definitions (sigmoid 2/(1+e^{5x}) - 1, scaled so the left edge is +1):
# a detection on the first window's left edge: +1.0;
# one 5 rows after that window ends: past = 5/99, 2/(1+e^{0.25253}) - 1 = -0.125602, times the FP weight;
# one far after it (row 2000, 9.1 widths): -1 times the FP weight; one before any window (row 600): the same;
# one in probation (row 100): nothing; the second window is missed: -fn weight.
NEAR_AFTER = -0.125602


def _scores(*rows: int, level: float = 1.0) -> list[float]:
    anomaly = [0.0] * ROWS
    for row in rows:
        anomaly[row] = level
    return anomaly


def test_known_detections_give_the_known_score_under_each_profile() -> None:
    series = {"s": (_scores(100, 600, 1000, 1040, 1104, 2000), [FIRST, SECOND])}
    expected_raw = {
        "standard": 1.0 + 0.11 * NEAR_AFTER - 0.11 - 0.11 - 1.0,
        "reward_low_FP_rate": 1.0 + 0.22 * NEAR_AFTER - 0.22 - 0.22 - 1.0,
        "reward_low_FN_rate": 1.0 + 0.11 * NEAR_AFTER - 0.11 - 0.11 - 2.0,
    }
    for profile in DEFAULT_PROFILES:
        score = score_corpus(series, profile)
        assert score.raw == pytest.approx(expected_raw[profile.name], abs=1e-5)
        null, perfect = -2 * profile.fn_weight, 2 * profile.tp_weight
        assert score.normalised == pytest.approx(100 * (score.raw - null) / (perfect - null), abs=1e-9)
        assert (score.tp, score.fp, score.fn) == (1, 3, 1)
    assert score_corpus(series, STANDARD).normalised == pytest.approx(44.15, abs=0.01)


def test_only_the_earliest_detection_in_a_window_counts_and_late_ones_earn_less() -> None:
    early = score_corpus({"s": (_scores(1000, 1090), [FIRST])}, STANDARD)
    late = score_corpus({"s": (_scores(1090), [FIRST])}, STANDARD)
    assert early.raw == pytest.approx(1.0)
    # 10 rows before the right edge: 2/(1+e^{-0.5}) - 1 = 0.244919, over the left edge's 0.986614
    assert late.raw == pytest.approx(0.244919 / 0.986614, abs=1e-5)


def test_null_and_perfect_detectors_score_0_and_100() -> None:
    windows = [FIRST, SECOND]
    assert score_corpus({"s": ([0.5] * ROWS, windows)}, STANDARD).normalised == pytest.approx(0.0)
    perfect = score_corpus({"s": (_scores(FIRST[0], SECOND[0]), windows)}, STANDARD)
    assert perfect.normalised == pytest.approx(100.0)


def test_the_threshold_search_drops_noise_below_the_true_detections() -> None:
    anomaly = _scores(1000, 2500, level=0.9)
    for row in range(500, ROWS, 97):  # noise everywhere, some of it inside the windows too late
        if anomaly[row] == 0.0:
            anomaly[row] = 0.3
    score = score_corpus({"s": (anomaly, [FIRST, SECOND])}, STANDARD)
    assert score.threshold == 0.9
    assert score.normalised == pytest.approx(100.0)
    table = scores_by_threshold((("s", p) for p in sweep(anomaly, [FIRST, SECOND], STANDARD)), STANDARD)
    assert [entry.threshold for entry in table] == [1.1, 0.9, 0.3, 0.0]  # 0.0: every row detected
    assert table[0].score == -2.0 and table[3].score < table[2].score < table[1].score


def test_step_scores_are_written_as_nab_writes_them() -> None:
    steps = step_scores(_scores(100, 1040, 1104), [FIRST, SECOND], STANDARD, threshold=0.5)
    nonzero = {row: value for row, value in enumerate(steps) if value != 0.0}
    assert set(nonzero) == {FIRST[0], 1104, SECOND[0]}  # window scores on their first rows
    assert nonzero[SECOND[0]] == -1.0
    assert nonzero[1104] == pytest.approx(0.11 * NEAR_AFTER, abs=1e-6)
    assert 0 < nonzero[FIRST[0]] < 1


@pytest.mark.skipif(not (SHARED_NAB / "results" / "numenta").is_dir(), reason="needs ../shared/data/nab")
def test_the_scorer_reproduces_nabs_own_per_row_scores_of_a_published_detector() -> None:
    windows_by_key = json.loads((SHARED_NAB / "labels" / "combined_windows.json").read_text())
    key = "realTweets/Twitter_volume_CVS.csv"
    series = find_series(SHARED_NAB / "data")
    cvs = next(s for s in series if s.key == key)
    rows = window_rows(cvs.times(), [tuple(map(parse_time, w)) for w in windows_by_key[key]], key)
    published = read_results(
        SHARED_NAB / "results" / "numenta" / "realTweets" / "numenta_Twitter_volume_CVS.csv"
    )
    for profile in DEFAULT_PROFILES:
        error = run.reproduction_error(
            {key: (published.anomaly, rows)}, {key: published.step_scores[profile.name]}, profile
        )
        assert error is not None and error < 1e-6


def _write_series(folder: Path) -> tuple[Path, Path]:
    """Five days of 5-minute counts with a daily rhythm and, on day 4, an hour at ten times the usual."""
    data = folder / "data" / "realTweets"
    data.mkdir(parents=True)
    start = datetime(2015, 3, 2)
    surge_start = start + timedelta(days=3, hours=14)
    with (data / "Twitter_volume_TEST.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        for step in range(5 * 288):
            at = start + timedelta(minutes=5 * step)
            usual = 20 + 15 * math.sin(2 * math.pi * (at.hour + at.minute / 60) / 24)
            surge = surge_start <= at < surge_start + timedelta(hours=1)
            writer.writerow([at.strftime("%Y-%m-%d %H:%M:%S"), round(usual * (10 if surge else 1))])
    window = [
        (surge_start - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S.%f"),
        (surge_start + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S.%f"),
    ]
    labels = folder / "labels" / "combined_windows.json"
    labels.parent.mkdir()
    labels.write_text(json.dumps({"realTweets/Twitter_volume_TEST.csv": [window]}))
    return folder / "data", labels


def test_bench_nab_writes_nab_results_and_scores_the_product(tmp_path: Path) -> None:
    data, labels = _write_series(tmp_path / "nab")
    out = tmp_path / "out"
    doc = tmp_path / "doc.md"
    doc.write_text("# Detection benchmark\n\nkept\n")
    assert run.main([str(data), str(out), "--doc", str(doc), "--json", str(tmp_path / "scores.json")]) == 0

    with (out / "realTweets" / "stormwatch_Twitter_volume_TEST.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "label"]
    assert len(rows) == 5 * 288
    inside = [r for r in rows if r["label"] == "1"]
    assert len(inside) == 6 * 12 + 1
    alarms = [r["timestamp"] for r in rows if float(r["anomaly_score"]) > 0]
    assert alarms and alarms[0] in {r["timestamp"] for r in inside}  # the surge is caught in its window
    assert (out / "realTweets" / "stormwatchSignals_Twitter_volume_TEST.csv").is_file()
    scores = {row["detector"]: row for row in json.loads((tmp_path / "scores.json").read_text())}
    assert scores["stormwatch"]["own_alarms"]["standard"]["tp"] == 1
    assert scores["stormwatchSignals"]["own_alarms"]["standard"]["tp"] == 1
    text = doc.read_text()
    assert (
        text.startswith("# Detection benchmark\n\nkept\n") and run.DOC_START in text and "stormwatch" in text
    )
    # A second run replaces its section instead of adding one.
    assert run.main([str(data), str(out), "--windows", str(labels), "--doc", str(doc)]) == 0
    assert doc.read_text().count(run.DOC_START) == 1


def test_bench_nab_names_the_file_and_line_of_a_bad_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data" / "c"
    data.mkdir(parents=True)
    (data / "x.csv").write_text("timestamp,value\n2015-03-02 00:00:00,3\n2015-03-02 00:05:00,lots\n")
    assert run.main([str(tmp_path / "data"), str(tmp_path / "out")]) == 2
    assert "x.csv:3: value 'lots' is not a number" in capsys.readouterr().err


def test_testing_only_each_steps_last_post_gives_the_signals_of_testing_every_post(tmp_path: Path) -> None:
    data, _ = _write_series(tmp_path / "nab")
    series = find_series(data)[0]
    times, counts = series.times(), series.values

    every = detector.step_signals(times, counts, every_post=True)
    last = detector.step_signals(times, counts)
    assert any(every)  # the surge fires something, so the comparison means something
    assert [[s.kind for s in step] for step in last] == [[s.kind for s in step] for step in every]

    def openings(signals: list[list[detector.Signal]]) -> list[bool]:
        return [any(a.kind == "opened" for a in step) for step in detector.step_alerts(times, signals)]

    assert openings(last) == openings(every)
