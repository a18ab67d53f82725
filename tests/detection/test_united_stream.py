"""A real recorded crisis replayed as a new user would (issue 19): the United Airlines stream of
April–May 2017 (``../shared/data/real/``; for testing only, never copied into the repository).

A calm week (6–9 April), a hole in the collection from 00:00 to 22:00Z on 10 April exactly where the
Flight 3411 storm began, then the storm and its waves (the CEO's statements, hearings, satire, a
giant rabbit weeks later), collected with a daily cap."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.detection.cli import _mentions
from stormwatch.pipeline import Pipeline
from stormwatch.workspace.config import load_config

UNITED = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "united_airlines_2017.jsonl.gz"
STORM_DATA = datetime(2017, 4, 10, 22, 0, tzinfo=UTC)  # the collection resumes, at ~5,000 posts an hour

pytestmark = pytest.mark.slow


def test_the_united_storm_is_one_crisis_caught_at_once_and_the_calm_week_stays_calm() -> None:
    pipeline = Pipeline.for_config(TextAnalyzer.load(deep=False), load_config(None))
    with gzip.open(UNITED, "rt", encoding="utf-8") as source:
        updates = list(pipeline.replay(_mentions(source)))
    alerts = [u for u in updates if u.kind in ("opened", "escalated", "reopened")]
    crises = Counter(u.crisis_key for u in alerts)
    assert len(crises) <= 3, crises
    calm_week = [u for u in alerts if u.at < datetime(2017, 4, 10, tzinfo=UTC)]
    assert max((u.severity for u in calm_week), default=0) <= 2
    serious = [u for u in alerts if u.at >= STORM_DATA and u.severity >= 3]
    assert serious and serious[0].at - STORM_DATA <= timedelta(minutes=30)
    storm_key = serious[0].crisis_key
    # The storm's later waves (the CEO's apology on 11 April, the hearing, the satire) join it.
    assert sum(1 for u in alerts if u.crisis_key == storm_key and u.at >= STORM_DATA + timedelta(days=1)) >= 5
    assert "no data from twitter" in serious[0].reason
