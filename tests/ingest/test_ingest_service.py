import json
from pathlib import Path

from sqlalchemy import func, select

from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.ingest.readers import read_records
from stormwatch.ingest.service import MentionIngestor
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config


def _ingestor(store: Store) -> MentionIngestor:
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig()).id
    return MentionIngestor(store, workspace_id, batch_size=3)


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(number: int, **extra: object) -> str:
    base = {
        "id": str(number),
        "source": "twitter",
        "text": f"post {number}",
        "created_at": "2026-03-02T10:00:00Z",
    }
    return json.dumps(base | extra)


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_reingesting_the_same_file_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "m.jsonl", [_record(n) for n in range(7)])
    ingestor = _ingestor(store)
    first = ingestor.ingest(read_records(path), origin=str(path), brand="Acme")
    second = ingestor.ingest(read_records(path), origin=str(path), brand="Acme")
    assert (first.stored, first.duplicates) == (7, 0)
    assert (second.stored, second.duplicates) == (0, 7)
    assert _count(store, Mention) == 7


def test_malformed_records_are_quarantined_with_line_and_field(store: Store, tmp_path: Path) -> None:
    lines = [
        _record(1),
        "{not json",
        _record(3, text=""),
        _record(4),
        json.dumps(["a", "list"]),
        _record(6, created_at="soon"),
        _record(7),
    ]
    path = _write_jsonl(tmp_path / "m.jsonl", lines)
    report = _ingestor(store).ingest(read_records(path), origin="m.jsonl", brand="Acme")
    assert report.stored == 3
    assert [(p.line, p.field) for p in report.problems] == [
        (2, None),
        (3, "text"),
        (5, None),
        (6, "created_at"),
    ]
    assert "not valid JSON" in str(report.problems[0])
    with store.session() as session:
        quarantined = session.scalars(select(QuarantinedRecord).order_by(QuarantinedRecord.line)).all()
        assert [(q.origin, q.line, q.field) for q in quarantined] == [
            ("m.jsonl", 2, None),
            ("m.jsonl", 3, "text"),
            ("m.jsonl", 5, None),
            ("m.jsonl", 6, "created_at"),
        ]
        assert quarantined[0].raw == "{not json"
    # Quarantine is idempotent too: importing the file again records nothing new.
    _ingestor(store).ingest(read_records(path), origin="m.jsonl", brand="Acme")
    assert _count(store, QuarantinedRecord) == 4


def test_csv_exports_are_read_with_their_line_numbers(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,source,text,created_at,author,author_followers,brand\n"
        '1,facebook,"Great coffee, thanks",2026-03-02T10:00:00Z,ola,10,Polana\n'
        '2,facebook,"multi\nline post",2026-03-02T10:01:00Z,jan,x,Polana\n'
        "3,facebook,Zimna kawa,2026-03-02T10:02:00Z,ewa,3,Polana\n",
        encoding="utf-8",
    )
    report = _ingestor(store).ingest(read_records(path), origin="export.csv")
    assert report.stored == 2
    assert [(p.line, p.field) for p in report.problems] == [(4, "author_followers")]


def test_a_record_without_brand_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "m.jsonl", [_record(1), _record(2, brand="Acme")])
    report = _ingestor(store).ingest(read_records(path), origin="m.jsonl")
    assert report.stored == 1
    assert [(p.line, p.field) for p in report.problems] == [(1, "brand")]


def test_same_post_for_two_brands_is_two_mentions(store: Store, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "m.jsonl", [_record(1)])
    ingestor = _ingestor(store)
    ingestor.ingest(read_records(path), origin="m.jsonl", brand="A")
    ingestor.ingest(read_records(path), origin="m.jsonl", brand="B")
    assert _count(store, Mention) == 2
