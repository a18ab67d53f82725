"""Importing exports of other listening tools (Brand24, SentiOne, Brandwatch; CSV or XLSX).

Each tool names its columns its own way; a format is a mapping from the mention fields to the
column names the tool uses (a few variants each, as exports differ by version and language
setting). Brandwatch CSVs start with a few lines about the query before the header row, so the
header is looked for in the first rows. A file whose header lacks the text or date column is
refused whole, naming the columns it has; a row with a bad value is quarantined by the core's
ingestion with its line and field, and the rest of the file is stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stormwatch.ingest.readers import RawRecord, csv_rows, open_text

HEADER_SEARCH_ROWS = 20


class ExportError(ValueError):
    """A file that cannot be read as the export it should be; the message names file and columns."""


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    columns: dict[str, tuple[str, ...]]  # mention field -> column names, first found wins
    signature: frozenset[str]  # column names that tell this tool's exports apart
    source: str  # the mention's source when the row does not say

    def resolve(self, header: list[str]) -> dict[str, int]:
        """Column index of each mention field present in ``header``."""
        positions = {name.strip().lower(): index for index, name in enumerate(header) if name}
        found: dict[str, int] = {}
        for field, names in self.columns.items():
            for name in names:
                if name.lower() in positions:
                    found[field] = positions[name.lower()]
                    break
        return found


FORMATS = {
    "brand24": ExportFormat(
        "brand24",
        {
            "id": ("ID", "Mention ID"),
            "title": ("Title",),
            "text": ("Content", "Text", "Mention"),
            "date": ("Date",),
            "time": ("Hour", "Time"),
            "author": ("Author", "Profile name"),
            "url": ("Url", "URL", "Link"),
            "source": ("Source", "Category"),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "author_followers": ("Followers", "Author followers"),
            "lang": ("Language",),
        },
        frozenset({"hour", "influencer score", "content", "voice share", "domain"}),
        "brand24",
    ),
    "sentione": ExportFormat(
        "sentione",
        {
            "id": ("Id", "ID", "Statement id"),
            "title": ("Title",),
            "text": ("Content", "Text", "Statement"),
            "date": ("Publication date", "Published", "Date"),
            "author": ("Author", "Author name"),
            "url": ("Url", "URL", "Link"),
            "source": ("Source type", "Source", "Domain type"),
            "likes": ("Likes", "Reactions"),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "author_followers": ("Followers", "Author followers"),
            "lang": ("Language",),
        },
        frozenset({"publication date", "source type", "statement", "sentione id", "domain type"}),
        "sentione",
    ),
    "brandwatch": ExportFormat(
        "brandwatch",
        {
            "id": ("Resource Id", "Mention Id", "Id"),
            "title": ("Title",),
            "text": ("Full Text", "Snippet", "Text"),
            "date": ("Date",),
            "author": ("Author", "Full Name"),
            "url": ("Url", "URL"),
            "source": ("Page Type", "Content Source Name", "Domain"),
            "likes": ("Likes", "Twitter Likes", "Facebook Likes"),
            "comments": ("Comments", "Twitter Replies", "Facebook Comments"),
            "shares": ("Shares", "Twitter Retweets", "Facebook Shares"),
            "author_followers": ("Twitter Followers", "Followers"),
            "lang": ("Language",),
        },
        frozenset({"query id", "query name", "full text", "page type", "resource id", "impact"}),
        "brandwatch",
    ),
}

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d",
)


def read_export(path: Path, format_name: str = "auto") -> Iterator[RawRecord]:
    """Rows of a vendor export as ingest records, each with its line (CSV) or row (XLSX) number."""
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    header_line, header = _find_header(path, rows)
    export = FORMATS[format_name] if format_name != "auto" else detect_format(path, header)
    columns = export.resolve(header)
    missing = [field for field in ("text", "date") if field not in columns]
    if missing:
        wanted = " or ".join(export.columns[missing[0]])
        raise ExportError(
            f"{path}:{header_line}: no {wanted} column for a {export.name} export; columns are: {', '.join(h for h in header if h)}"
        )
    for line, row in rows:
        if not any(cell not in (None, "") for cell in row):
            continue
        raw_text = json.dumps(dict(zip(header, row, strict=False)), ensure_ascii=False, default=str)
        yield RawRecord(line, raw_text, row_fields(export, columns, row))


def detect_format(path: Path, header: list[str]) -> ExportFormat:
    names = {name.strip().lower() for name in header if name}
    scores = {export.name: len(names & export.signature) for export in FORMATS.values()}
    best = max(scores, key=lambda name: scores[name])
    if scores[best] == 0:
        raise ExportError(
            f"{path}: not a Brand24, SentiOne or Brandwatch export (columns: {', '.join(sorted(names))}); give --format"
        )
    return FORMATS[best]


def row_fields(export: ExportFormat, columns: dict[str, int], row: list[Any]) -> dict[str, Any]:
    def cell(field: str) -> Any:
        index = columns.get(field)
        value = row[index] if index is not None and index < len(row) else None
        return value.strip() if isinstance(value, str) else value

    title, text = cell("title"), cell("text")
    fields: dict[str, Any] = {
        "id": cell("id"),
        "text": f"{title}\n\n{text}"
        if title and text and not str(text).startswith(str(title))
        else (text or title),
        "created_at": _timestamp(cell("date"), cell("time")),
        "author": cell("author"),
        "url": cell("url"),
        "source": str(cell("source") or export.source).lower().replace(" ", "_")[:50],
        "lang": cell("lang"),
    }
    for count in ("likes", "comments", "shares", "author_followers"):
        value = cell(count)
        fields[count] = int(value) if isinstance(value, float) and value.is_integer() else value
    return {key: value for key, value in fields.items() if value not in (None, "")}


def _timestamp(date: Any, time: Any) -> Any:
    """ISO 8601 from the export's date (and separate time) cells; unparseable text is kept for the error."""
    if isinstance(date, datetime):
        moment = date
        if time:
            try:
                moment = datetime.combine(
                    date.date(),
                    time if not isinstance(time, str) else datetime.strptime(time, "%H:%M:%S").time(),
                )
            except (TypeError, ValueError):  # an hour cell the row's own error report must name
                return f"{date.isoformat()} {time}"
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    if not isinstance(date, str) or not date:
        return date
    text = f"{date} {time}" if time else date
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).isoformat()
        except ValueError:
            continue
    return text  # ISO already, or not a date: the core's parser decides and names the field


def _find_header(path: Path, rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[str]]:
    """The first row that names known columns (Brandwatch puts query details above it)."""
    known = {
        name.lower() for export in FORMATS.values() for names in export.columns.values() for name in names
    }
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            line, row = next(rows)
        except StopIteration:
            break
        header = [str(cell).strip() if cell is not None else "" for cell in row]
        if sum(1 for cell in header if cell.lower() in known) >= 2:
            return line, header
    raise ExportError(f"{path}: no header row with known columns in the first {HEADER_SEARCH_ROWS} rows")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with open_text(path) as stream:
        sample = stream.read(64 * 1024)
        stream.seek(0)
        # Tools exporting for Polish or German Excel write ';' between columns.
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(stream, delimiter=delimiter)
        for line, row in csv_rows(reader, reader):
            # A row the csv module cannot read (a field over its 128 KiB limit) comes out as one
            # cell with the reason: no date, so the core quarantines it with the line.
            yield line, row if isinstance(row, list) else [f"unreadable CSV row: {row}"]


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ExportError(f"{path}: not a readable XLSX workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()
