"""Generated hostile records at every entry point, on both databases (Hypothesis).

API push, webhook, JSON Lines import and a vendor CSV export each get records with huge, NUL and
surrogate strings, huge integers, floats, dates from year 1 to 9999, nesting, wrong types and
missing fields. Every record must come out stored or rejected with a reason, nothing may answer
500 or raise, what was stored must fit the limits, and afterwards the live pipeline must still
analyse the hostile workspace's mentions and a normal mention of another workspace.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import RawRecord, read_records
from stormwatch.ingest.service import IngestReport, MentionIngestor
from stormwatch.live import LivePipeline
from stormwatch.sources.exports import read_export
from stormwatch.store import limits
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config
from tests.ingest.test_input_limits import BRAND, site_with_webhook
from tests.sources.servers import serve

EXAMPLES = 20  # per entry point and database: seconds, not minutes
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)

OPTIONAL_FIELDS = (
    "id",
    "brand",
    "source",
    "author",
    "author_followers",
    "url",
    "lang",
    "likes",
    "shares",
    "retweets",
    "comments",
    "reply_to",
)
ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
any_date = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=ZONES)
plausible_date = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda moment: moment.isoformat() + "Z"
)
# Any code point, lone surrogates and control characters (NUL) included.
wild_text = st.text(alphabet=st.characters(categories=None, codec=None), max_size=40)
long_text = st.sampled_from([8, 9, 50, 51, 200, 201, 2000, 2001, 100_001]).map(lambda n: "y" * n)
# The probe's own findings, so that every run meets them and not only a lucky one.
known_bad = st.sampled_from(["nul \x00 inside", "\x00", "lone \ud800", "\udfff", "9" * 30, "1.7", "", "  "])
hostile_value = st.one_of(
    known_bad,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    wild_text,
    long_text,
    any_date.map(lambda moment: moment.isoformat()),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
record = st.fixed_dictionaries(
    {
        "text": st.one_of(st.just("My bag is lost, terrible service"), hostile_value),
        "created_at": st.one_of(plausible_date, hostile_value),
    },
    optional=dict.fromkeys(OPTIONAL_FIELDS, hostile_value),
)
batch = st.lists(record, min_size=1, max_size=4)
deep_line = st.integers(min_value=64, max_value=5000).map(
    lambda depth: '{"text": ' + "[" * depth + "]" * depth + "}"
)


def _every_record_accounted(report: IngestReport, count: int) -> None:
    assert report.read == count
    assert len(report.accepted) + report.quarantined == count
    assert report.stored + report.duplicates == len(report.accepted)
    assert all(problem.error for problem in report.problems)


def _check_api_answer(answer: httpx.Response, count: int) -> None:
    assert answer.status_code in (202, 422), answer.text  # 202: stored, analysed in the background
    body = answer.json()
    if answer.status_code == 202:
        positions = body["accepted"] + [problem["index"] for problem in body["problems"]]
        assert sorted(positions) == list(range(count))
    else:
        assert body["detail"]["message"]
        assert len(body["detail"]["problems"]) in (0, count)  # a body error, or every record rejected
    assert all(problem["error"] for problem in (body.get("problems") or body["detail"]["problems"]))


def _write_export(path: Path, rows: list[dict[str, Any]]) -> None:
    # surrogatepass writes a lone surrogate as the bytes it would be: a file that is not UTF-8.
    with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID", "Content", "Date", "Hour", "Author", "Url", "Likes", "Followers", "Domain"])
        for row in rows:
            cells = [row.get(key) for key in ("id", "text", "created_at", "hour", "author", "url", "likes")]
            cells += [row.get("author_followers"), "x.com"]
            writer.writerow(["" if cell is None else str(cell) for cell in cells])


def _stored_mentions_fit(store: Store) -> None:
    latest = datetime.now(UTC) + timedelta(days=1)
    with store.session() as session:
        for mention in session.scalars(select(Mention)):
            assert datetime(2006, 1, 1, tzinfo=UTC) <= mention.created_at <= latest
            assert (
                len(mention.source) <= limits.SOURCE_LENGTH and len(mention.external_id) <= limits.ID_LENGTH
            )
            assert 0 <= mention.likes <= limits.INTEGER_MAX
            followers = mention.author_followers  # None: the record said nothing of its reach
            assert followers is None or 0 <= followers <= limits.BIG_INTEGER_MAX
            assert "\x00" not in mention.text


@pytest.mark.slow
def test_hostile_records_at_every_entry_point_leave_the_pipeline_running(
    store: Store, tmp_path: Path
) -> None:
    application, token, workspace_id = site_with_webhook(store)
    ingestor = MentionIngestor(store, workspace_id)
    files = iter(range(10**6))

    with serve(application) as url, httpx.Client(base_url=url, timeout=30) as client:

        @SETTINGS
        @given(records=batch)
        def push(records: list[dict[str, Any]]) -> None:
            body = json.dumps(records)  # NaN and Infinity as JavaScript writes them; surrogates escaped
            answer = client.post("/api/mentions", content=body, headers={"Authorization": f"Bearer {token}"})
            _check_api_answer(answer, len(records))

        @SETTINGS
        @given(records=batch, deep=st.one_of(st.none(), deep_line))
        def webhook(records: list[dict[str, Any]], deep: str | None) -> None:
            body = deep if deep is not None else json.dumps(records)
            answer = client.post("/api/webhooks/crm", content=body)
            if deep is not None:
                assert answer.status_code == 422 and "nested deeper" in answer.text
                return
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert result["stored"] + result["duplicates"] + result["quarantined"] == len(records)

        push()
        webhook()

    @SETTINGS
    @given(records=batch, deep=st.lists(deep_line, max_size=1))
    def import_file(records: list[dict[str, Any]], deep: list[str]) -> None:
        path = tmp_path / f"import-{next(files)}.jsonl"
        path.write_text("\n".join([*map(json.dumps, records), *deep]) + "\n", encoding="utf-8")
        report = ingestor.ingest(read_records(path), origin=str(path))
        _every_record_accounted(report, len(records) + len(deep))

    @SETTINGS
    @given(records=batch)
    def import_export(records: list[dict[str, Any]]) -> None:
        path = tmp_path / f"export-{next(files)}.csv"
        _write_export(path, records)
        report = ingestor.ingest(read_export(path, "brand24"), origin=str(path), brand=BRAND)
        assert report.read <= len(records)  # a row of empty cells is no record
        _every_record_accounted(report, report.read)

    import_file()
    import_export()
    _stored_mentions_fit(store)

    judge = TextAnalyzer.load(deep=False)
    LivePipeline(store, judge, workspace_id).run_until_idle()  # the hostile workspace's own pipeline
    with store.session() as session:
        other = apply_config(session, WorkspaceConfig.model_validate({"workspace": {"name": "Other"}})).id
    normal = {
        "id": "calm-1",
        "text": "Lovely flight today",
        "created_at": "2026-03-02T10:00:00Z",
        "brand": "B",
    }
    MentionIngestor(store, other).ingest([RawRecord(1, "", normal)], origin="test")
    LivePipeline(store, judge, other).run_until_idle()
    with store.session() as session:
        analysed = session.scalar(
            select(Enrichment.sentiment).join(Mention).where(Mention.external_id == "calm-1")
        )
    assert analysed is not None
