"""End-to-end harness run on a tiny world with the baseline and a stand-in detector (test fixture)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.detection.run import render, run_benchmark
from bench.detection.timeline import DEFAULT_SHARED_DATA

STANDIN = Path(__file__).with_name("standin_detect.py")


@pytest.mark.skipif(not DEFAULT_SHARED_DATA.exists(), reason="../shared/data not available")
def test_harness_runs_baseline_and_cli_detector(tmp_path: Path) -> None:
    runs, info = run_benchmark(
        [7],
        n_brands=2,
        weeks=1,
        stormwatch_cmd=[sys.executable, str(STANDIN)],
        keep=tmp_path,
        log=lambda s: None,
    )
    assert info["mentions"] > 0 and info["brands"] == 2
    assert runs["stormwatch"].error is None
    assert runs["stormwatch"].speed and runs["baseline"].speed
    assert (tmp_path / "seed7" / "alerts.jsonl").exists()
    for r in runs.values():
        assert r.score.brand_weeks == pytest.approx(2.0)
    md = render(runs, info, "custom", 2, 1)
    assert "| recall, firestorms ≥ 4× |" in md and "Stormwatch / baseline" in md


def test_failing_detector_is_reported(tmp_path: Path) -> None:
    if not DEFAULT_SHARED_DATA.exists():
        pytest.skip("../shared/data not available")
    runs, _ = run_benchmark(
        [7],
        n_brands=1,
        weeks=1,
        stormwatch_cmd=[sys.executable, "-c", "raise SystemExit(3)"],
        keep=tmp_path,
        log=lambda s: None,
    )
    assert runs["stormwatch"].error and "exited 3" in runs["stormwatch"].error
