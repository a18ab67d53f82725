"""Imports of Brand24, SentiOne and Brandwatch exports (CSV and XLSX), through the core's ingestion."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from typer.testing import CliRunner

from stormwatch.cli import app
from stormwatch.ingest.models import Mention
from stormwatch.ingest.service import MentionIngestor
from stormwatch.sources.exports import ExportError, read_export
from stormwatch.store.db import Store
from tests.sources.servers import quarantined

BRAND = "Northwind Air"


def _brand24_csv(path: Path) -> Path:
    # Brand24 exports for a Polish account use ';' between columns, date and hour apart.
    path.write_text(
        "ID;Date;Hour;Title;Content;Source;Author;Url;Influencer Score;Sentiment;Likes;Comments;Shares\n"
        "101;2025-12-01;10:15:00;;Northwind zgubił mój bagaż;twitter;ann;https://x.com/ann/status/1;5;negative;3;0;1\n"
        '102;2025-12-01;10:16:00;Blog post;"Long text, with a comma";blogs;bob;https://blog.example/p;2;neutral;;;\n'
        "103;yesterday;;;Bad date row;facebook;carl;https://facebook.com/3;1;negative;0;0;0\n",
        encoding="utf-8",
    )
    return path


def _sentione_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Id", "Publication date", "Content", "Author", "Url", "Source type", "Sentiment", "Likes"])
    sheet.append(
        [
            "s1",
            datetime(2025, 12, 1, 11, 0),
            "Obsługa Northwind to dramat",
            "ewa",
            "https://fb.com/1",
            "Facebook",
            "negative",
            4,
        ]
    )
    sheet.append(
        [
            "s2",
            datetime(2025, 12, 1, 11, 5),
            "Polecam Northwind",
            "jan",
            "https://forum.example/2",
            "Forum",
            "positive",
            None,
        ]
    )
    sheet.append([None, None, None, None, None, None, None, None])
    sheet.append(
        ["s3", datetime(2025, 12, 1, 11, 9), None, "olga", "https://forum.example/3", "Forum", "neutral", 1]
    )
    book.save(path)
    return path


def _brandwatch_csv(path: Path) -> Path:
    # Brandwatch puts the report's details above the header row.
    path.write_text(
        "Report:,Mentions\nBrand:,Northwind\nFrom:,2025-12-01 00:00:00.0\n,\n"
        "Query Id,Query Name,Date,Title,Url,Domain,Sentiment,Page Type,Language,Author,Full Text,Twitter Followers,Twitter Retweets,Resource Id\n"
        "1,NW,2025-12-01 12:00:00.0,,https://x.com/d/status/9,x.com,negative,twitter,en,dave,Northwind strike again?,1200,4,9\n"
        "1,NW,2025-12-01 12:01:00.0,Review,https://reviews.example/r,reviews.example,negative,review,en,erin,Rude staff,,,10\n",
        encoding="utf-8",
    )
    return path


def test_each_format_maps_its_columns(tmp_path: Path) -> None:
    brand24 = [r.fields for r in read_export(_brand24_csv(tmp_path / "b24.csv"))]
    sentione = [r.fields for r in read_export(_sentione_xlsx(tmp_path / "s1.xlsx"))]
    brandwatch = list(read_export(_brandwatch_csv(tmp_path / "bw.csv")))
    assert brand24[0] == {
        "id": "101",
        "text": "Northwind zgubił mój bagaż",
        "created_at": "2025-12-01T10:15:00+00:00",
        "author": "ann",
        "url": "https://x.com/ann/status/1",
        "source": "twitter",
        "likes": "3",
        "comments": "0",
        "shares": "1",
    }
    assert brand24[1] is not None and brand24[1]["text"] == "Blog post\n\nLong text, with a comma"
    assert sentione[0] is not None and (
        sentione[0]["source"],
        sentione[0]["created_at"],
        sentione[0]["likes"],
    ) == ("facebook", "2025-12-01T11:00:00+00:00", 4)
    assert len(sentione) == 3  # the empty row is skipped
    assert [r.line for r in brandwatch] == [6, 7]
    assert brandwatch[0].fields is not None and brandwatch[0].fields["author_followers"] == "1200"
    assert brandwatch[0].fields["id"] == "9" and brandwatch[0].fields["shares"] == "4"


def test_import_stores_once_and_quarantines_bad_rows(
    sqlite_store: Store, workspace_id: int, tmp_path: Path
) -> None:
    ingestor = MentionIngestor(sqlite_store, workspace_id)
    files = [
        _brand24_csv(tmp_path / "b24.csv"),
        _sentione_xlsx(tmp_path / "s1.xlsx"),
        _brandwatch_csv(tmp_path / "bw.csv"),
    ]
    first = [ingestor.ingest(read_export(path), origin=str(path), brand=BRAND) for path in files]
    again = [ingestor.ingest(read_export(path), origin=str(path), brand=BRAND) for path in files]
    assert [(r.stored, r.quarantined) for r in first] == [(2, 1), (2, 1), (2, 0)]
    assert sum(r.stored for r in again) == 0
    problems = {(p.line, p.field) for r in first for p in r.problems}
    assert problems == {(4, "created_at"), (5, "text")}
    assert len(quarantined(sqlite_store)) == 2
    with sqlite_store.session() as session:
        assert sorted(session.scalars(select(Mention.source))) == [
            "blogs",
            "facebook",
            "forum",
            "review",
            "twitter",
            "twitter",
        ]


def test_unknown_layout_names_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="no header row"):
        list(read_export(path))
    path.write_text("Title,Url,Author\nx,y,z\n", encoding="utf-8")
    with pytest.raises(ExportError, match="give --format"):
        list(read_export(path))
    with pytest.raises(ExportError, match="no Full Text or Snippet or Text column"):
        list(read_export(path, "brandwatch"))


def test_cli_import(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    path = _brand24_csv(tmp_path / "b24.csv")
    result = CliRunner().invoke(
        app, ["sources", "import", str(path), "--brand", BRAND, "--database", database]
    )
    assert result.exit_code == 0, result.output
    assert "stored 2 new" in result.output and f"quarantined {path}:4: created_at" in result.output
