"""The probe's hostile records, at every entry point and on both databases (issue 25).

Each must be quarantined (file, line, field) or rejected by position with the field named, while
the valid records of the same file or request are stored; nothing answers 500 or crashes an
import, and a record dated year 1 stored before validation existed cannot stop detection.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.auth.service import create_token
from stormwatch.cli import app
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.live import LivePipeline
from stormwatch.pipeline import Pipeline
from stormwatch.sources.registry import build_sources
from stormwatch.sources.secrets import Secrets
from stormwatch.store.db import Store
from stormwatch.web.app import create_app
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config, ensure_brand
from tests.sources.servers import serve

BRAND = "Northwind Air"
DEEP = 200_000


def _good(number: int) -> dict[str, Any]:
    return {
        "id": f"good-{number}",
        "text": f"My bag is lost again, flight {number}",
        "created_at": f"2026-03-02T10:{number % 60:02d}:00Z",
        "brand": BRAND,
    }


# The probe's findings: each value passed validation before and crashed PostgreSQL, the detectors,
# or the parser; SQLite stored most of them silently.
HOSTILE: list[tuple[dict[str, Any], str]] = [
    ({"created_at": "0001-01-01T00:00:00Z"}, "created_at"),
    ({"created_at": "9999-12-31T23:59:59Z"}, "created_at"),
    ({"created_at": "2100-01-01T00:00:00Z"}, "created_at"),
    ({"text": "nul \x00 inside"}, "text"),
    ({"author": "nul\x00author"}, "author"),
    ({"source": "s" * 51}, "source"),
    ({"id": "i" * 201}, "id"),
    ({"author": "a" * 201}, "author"),
    ({"brand": "b" * 201}, "brand"),
    ({"url": "https://x.com/" + "u" * 2000}, "url"),
    ({"lang": "l" * 9}, "lang"),
    ({"likes": 2**31}, "likes"),
    ({"author_followers": 2**63}, "author_followers"),
    ({"author_followers": 10**30}, "author_followers"),
    ({"text": "lone \ud800 surrogate"}, "text"),
    ({"likes": 1.7}, "likes"),
]


def _hostile_lines() -> tuple[list[str], dict[int, str | None]]:
    """A JSON Lines file: good records between the hostile ones; expected field by line."""
    lines, expected = [], {}
    for number, (change, field) in enumerate(HOSTILE):
        lines.append(json.dumps(_good(number)))
        lines.append(json.dumps({**_good(100 + number), **change}))  # ASCII: NUL and \ud800 escaped
        expected[len(lines)] = field
    lines.append('{"text": ' + "[" * DEEP + "]" * DEEP + "}")
    expected[len(lines)] = None
    lines.append(json.dumps(_good(99)))
    return lines, expected


def _database_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _ingest_command(path: Path, store: Store, settings: str = "") -> list[str]:
    """`stormwatch ingest` of ``path`` into a workspace watching BRAND (with extra TOML ``settings``)."""
    config = path.with_name("workspace.toml")
    config.write_text(f'{settings}\n[[brands]]\nname = "{BRAND}"\n', encoding="utf-8")
    return ["ingest", str(path), "--config", str(config), "--database", _database_url(store)]


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_ingest_quarantines_each_hostile_record_and_keeps_the_good_ones(store: Store, tmp_path: Path) -> None:
    lines, expected = _hostile_lines()
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = _ingest_command(path, store)
    first = CliRunner().invoke(app, command)
    again = CliRunner().invoke(app, command)  # the same file again: nothing new, no crash
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    good = len(lines) - len(expected)
    assert f"stored {good} new" in first.output and f"quarantined {len(expected)}" in first.output
    assert f"stored 0 new, skipped {good} already stored" in again.output
    with store.session() as session:
        rows = session.scalars(select(QuarantinedRecord).order_by(QuarantinedRecord.line)).all()
        stored = session.scalar(select(func.count()).select_from(Mention))
    assert stored == good
    assert {row.line: row.field for row in rows} == expected
    assert all(row.origin == str(path) and row.error for row in rows)
    assert "nested deeper than 64" in rows[-1].error
    # The quarantined record itself is kept, written so that the database can hold it.
    nul_line = next(line for line, field in expected.items() if field == "text")
    assert "\\u0000" in next(row.raw for row in rows if row.line == nul_line)


def test_a_csv_field_over_the_csv_limit_costs_only_its_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = ["text,created_at,brand", f'"{"x" * 200_000}",2026-03-02T10:00:00Z,{BRAND}']
    rows += [f"fine {n},2026-03-02T10:0{n}:00Z,{BRAND}" for n in range(3)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, _ingest_command(path, store))
    assert result.exit_code == 0, result.output
    assert "stored 3 new" in result.output and "quarantined 1" in result.output
    assert "field larger than field limit" in result.output


def site_with_webhook(store: Store) -> tuple[Any, str, int]:
    config = WorkspaceConfig.model_validate(
        {"brands": [{"name": BRAND, "sources": {"webhooks": [{"name": "crm", "allow_unsigned": True}]}}]}
    )
    with store.session() as session:
        workspace_id = apply_config(session, config).id
        token, _ = create_token(session, workspace_id, "push", ["mentions:write"], actor="test")
    configured = build_sources(config, Secrets({}, env={}))
    application = create_app(store, sources=configured, sources_workspace_id=workspace_id)
    return application, token, workspace_id


def test_api_and_webhook_keep_the_good_records_and_name_the_bad_ones(store: Store) -> None:
    application, token, _ = site_with_webhook(store)
    batch = [_good(1), *({**_good(10 + n), **change} for n, (change, _) in enumerate(HOSTILE)), _good(2)]
    deep = b'{"text": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    with serve(application) as url, httpx.Client(base_url=url, timeout=30) as client:
        auth = {"Authorization": f"Bearer {token}"}
        pushed = client.post("/api/mentions", content=json.dumps(batch), headers=auth)
        nothing_good = client.post("/api/mentions", content=json.dumps(batch[1:-1]), headers=auth)
        too_deep = client.post("/api/mentions", content=deep, headers=auth)
        not_objects = client.post("/api/mentions", content=b'[1, "two", null]', headers=auth)
        hooked = client.post(
            "/api/webhooks/crm", content=json.dumps([{**_good(50), "id": "hook"}, *batch[1:-1]])
        )
        hook_too_deep = client.post("/api/webhooks/crm", content=deep)
    assert pushed.status_code == 202, pushed.text
    answer = pushed.json()
    assert answer["accepted"] == [0, len(batch) - 1] and answer["stored"] == 2
    assert [(p["index"], p["field"]) for p in answer["problems"]] == [
        (index, field) for index, (_, field) in enumerate(HOSTILE, start=1)
    ]
    assert nothing_good.status_code == 422 and len(nothing_good.json()["detail"]["problems"]) == len(HOSTILE)
    assert too_deep.status_code == 422 and "nested deeper than 64" in too_deep.json()["detail"]["message"]
    assert not_objects.status_code == 422
    assert [p["index"] for p in not_objects.json()["detail"]["problems"]] == [0, 1, 2]
    assert hooked.status_code == 200, hooked.text
    # The webhook's brand is its own: only the over-long brand name gets through, as its brand.
    assert hooked.json()["stored"] == 2 and hooked.json()["quarantined"] == len(HOSTILE) - 1
    brand_position = 1 + next(i for i, (change, _) in enumerate(HOSTILE) if "brand" in change)
    assert hooked.json()["accepted"] == [0, brand_position]
    assert hook_too_deep.status_code == 422 and "nested deeper" in hook_too_deep.text
    assert _count(store, Mention) == 4


def test_openapi_documents_the_push_body_and_its_limits(sqlite_store: Store) -> None:
    application, _, _ = site_with_webhook(sqlite_store)
    document = application.openapi()
    operation = document["paths"]["/api/mentions"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["anyOf"][0]
    assert body["properties"]["source"]["anyOf"][0]["maxLength"] == 50
    assert body["properties"]["likes"]["anyOf"][0]["maximum"] == 2**31 - 1
    assert "accepted" in document["components"]["schemas"]["PushResult"]["properties"]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Unprocessable"
    }


def _store_unchecked(store: Store, workspace_id: int, moments: list[datetime]) -> None:
    """Mentions written straight into the table, as a database from before validation may hold."""
    with store.session() as session:
        brand_id = ensure_brand(session, workspace_id, BRAND).id
        session.execute(
            insert(Mention),
            [
                {
                    "brand_id": brand_id,
                    "source": "old",
                    "external_id": f"old-{index}",
                    "text": "My bag is lost, terrible service",
                    "created_at": moment,
                }
                for index, moment in enumerate(moments)
            ],
        )


def test_stored_mentions_dated_year_1_or_9999_cannot_stop_detection(store: Store) -> None:
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig()).id
    extremes = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]
    _store_unchecked(store, workspace_id, [*extremes, datetime(2026, 3, 2, 10, tzinfo=UTC)])
    judge = TextAnalyzer.load(deep=False)
    live = LivePipeline(store, judge, workspace_id)
    live.warm_up()
    live.run_until_idle()  # raised OverflowError in detection/surges.py before
    assert _count(store, Enrichment) == 3  # analysed, so never pending again
    restarted = LivePipeline(store, judge, workspace_id)
    assert restarted.warm_up() == 1  # the real one; the history window stays in range
    restarted.run_until_idle()


def test_the_in_memory_pipeline_skips_an_extreme_time(caplog: Any) -> None:
    from stormwatch.ingest.mention import MentionIn

    pipeline = Pipeline.for_config(TextAnalyzer.load(deep=False), WorkspaceConfig())
    mentions = [
        MentionIn("x", f"m{i}", "Lost my bag, awful", moment, brand=BRAND)
        for i, moment in enumerate([datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)])
    ]
    result = pipeline.process(mentions)
    assert len(result.enriched) == 2 and result.signals == []
    assert "left out of detection" in caplog.text


def test_the_workspace_file_sets_the_date_window(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "dates.jsonl"
    early, inside = {**_good(1), "created_at": "2026-02-28T23:00:00Z"}, _good(2)
    path.write_text(json.dumps(early) + "\n" + json.dumps(inside) + "\n", encoding="utf-8")
    command = _ingest_command(path, sqlite_store, "[ingest]\nearliest = 2026-03-01\nmax_ahead_hours = 0")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "stored 1 new" in result.output
    assert f"{path}:1: created_at: 2026-02-28T23:00:00+00:00 is before 2026-03-01" in result.output


def test_the_example_workspace_file_has_the_default_window(tmp_path: Path) -> None:
    from stormwatch.ingest.window import DEFAULT_WINDOW
    from stormwatch.workspace.config import EXAMPLE_CONFIG, ConfigError, load_config

    path = tmp_path / "example.toml"
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    window = load_config(path).ingest.window()
    assert (window.earliest, window.max_ahead) == (DEFAULT_WINDOW.earliest, DEFAULT_WINDOW.max_ahead)
    path.write_text("[ingest]\nmax_ahead_hours = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ingest\.max_ahead_hours"):
        load_config(path)


def test_stored_extreme_dates_do_not_break_the_dashboard_or_the_api(store: Store) -> None:
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig()).id
        token, _ = create_token(session, workspace_id, "read", ["read"], actor="test")
    extremes = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]
    _store_unchecked(store, workspace_id, [*extremes, datetime(2026, 3, 2, 10, tzinfo=UTC)])
    LivePipeline(store, TextAnalyzer.load(deep=False), workspace_id).run_until_idle()
    with store.session() as session:
        brand_id = ensure_brand(session, workspace_id, BRAND).id
    application = create_app(store, public_workspace_id=workspace_id)
    paths = ["/", "/api/brands", f"/api/brands/{brand_id}/figures", "/api/response-times", "/api/mentions"]
    with serve(application) as url, httpx.Client(base_url=url, timeout=30) as client:
        answers = {path: client.get(path, headers={"Authorization": f"Bearer {token}"}) for path in paths}
        answers["/fragments/response-times"] = client.get(
            "/fragments/response-times", params={"brand": brand_id}
        )
    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(answers, 200)
    # The figures are those of the real mention's days, not of year 9999.
    assert answers[f"/api/brands/{brand_id}/figures"].json()["until"].startswith("2026-03-02")
