"""Oracle report: bands of brand volume, medians of delays and of the storms' k-th negative posts."""

from __future__ import annotations

from bench.detection.oracle import report


def test_report_bands_storms_by_brand_volume_and_takes_medians() -> None:
    rows = [
        {"per_day": 50, "delay": 30.0, "negatives_at_fire": 6, "kth": {4: 20.0, 5: 25.0}},
        {"per_day": 80, "delay": None, "negatives_at_fire": None, "kth": {4: 40.0}},
        {"per_day": 200, "delay": 10.0, "negatives_at_fire": 8, "kth": {4: 8.0, 5: 9.0, 6: 9.5}},
    ]
    lines = report(rows)
    small = next(line for line in lines if line.startswith("| 0–100/day"))
    middle = next(line for line in lines if line.startswith("| 100–300/day"))
    everyone = next(line for line in lines if line.startswith("| all"))
    # a missed storm has no delay but its posts still count towards the oracle's medians
    assert small == "| 0–100/day | 2 | 30.0 | 6.0 | 30.0 | 25.0 | – | – | – |"
    assert middle == "| 100–300/day | 1 | 10.0 | 8.0 | 8.0 | 9.0 | 9.5 | – | – |"
    assert everyone.startswith("| all | 3 | 20.0 | 7.0 | 20.0 | 17.0 | 9.5 |")
