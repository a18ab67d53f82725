"""The same quarter on PostgreSQL gives the same figures as on SQLite (the queries are portable),
and the schedule's claim holds there too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from stormwatch.report.figures import crisis_report_figures, review_figures
from stormwatch.report.schedule import send_due
from stormwatch.store.db import Store
from stormwatch.workspace.config import ReportSchedule, ReportSettings
from tests.report.world import Quarter, build_quarter

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _comparable(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "totals": figures["totals"],
        "trends": figures["trends"],
        "share_of_voice": figures["share_of_voice"],
        "crisis_summary": figures["crisis_summary"],
        "replies": figures["replies"],
        "early_terms": [c["early_terms"] for c in figures["crises"]],
    }


@pytest.mark.postgres
def test_postgres_gives_the_same_figures(quarter: Quarter, postgres_store: Store, tmp_path: Path) -> None:
    on_postgres = build_quarter(postgres_store)
    first, last = date(2026, 1, 1), date(2026, 3, 31)
    expected = review_figures(quarter.store, quarter.workspace_id, first, last, now=NOW)
    found = review_figures(postgres_store, on_postgres.workspace_id, first, last, now=NOW)
    assert _comparable(found) == _comparable(expected)
    key = on_postgres.keys[0]
    crisis = crisis_report_figures(postgres_store, on_postgres.workspace_id, key, now=NOW)
    same = crisis_report_figures(quarter.store, quarter.workspace_id, key, now=NOW)
    for name in ("clock", "top_posts", "top_accounts", "share", "reach", "peak_severity"):
        assert crisis[name] == same[name], name
    sent: list[str] = []
    settings = ReportSettings(schedule=[ReportSchedule(name="m", to=["json://127.0.0.1:9/x"])])
    for _ in range(2):
        send_due(
            postgres_store,
            on_postgres.workspace_id,
            settings,
            now=datetime(2026, 4, 1, 9, tzinfo=UTC),
            send=lambda url, title, body, attachment: sent.append(title) or True,
            render=lambda schedule, first, last: b"%PDF",
        )
    assert len(sent) == 1
