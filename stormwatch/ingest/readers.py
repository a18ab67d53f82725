"""Reading export files record by record, keeping the line number of each for error reports."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stormwatch.i18n.refusal import Phrase
from stormwatch.ingest.jsontext import JsonInputError, loads


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record of an input file: its 1-based line and either its fields or why it is unreadable.

    ``raw_text`` may be left empty where the record came as parsed JSON (a push): :meth:`text` then
    writes the fields as JSON, only for a record that is quarantined (writing every pushed record
    took a tenth of a push's time)."""

    line: int
    raw_text: str
    fields: dict[str, Any] | None
    error: str | Phrase | None = None  # a Phrase: said in the reader's language (str() is English)

    def text(self) -> str:
        """The record as it came, for a quarantine line."""
        if self.raw_text or self.fields is None:
            return self.raw_text
        return json.dumps(self.fields, ensure_ascii=False, default=str)


GZIP_MAGIC = b"\x1f\x8b"
# What a damaged or cut-off .gz raises part-way through: the lines before it are good records.
COMPRESSION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def open_text(path: Path, errors: str = "surrogateescape") -> IO[str]:
    """A text stream of ``path``, gunzipped when it is gzip: by its magic bytes whatever its name
    (recorded exports get renamed). Undecodable bytes are kept for reporting by default."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    if compressed:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors=errors, newline="")
    return path.open(encoding="utf-8", errors=errors, newline="")


def text_stream(raw: io.BufferedReader, errors: str = "surrogateescape") -> io.TextIOWrapper:
    """A byte stream that cannot seek (standard input) as text, gunzipped when it starts with
    gzip's magic bytes: ``peek`` looks without consuming them."""
    if raw.peek(2)[:2] == GZIP_MAGIC:
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", errors=errors, newline="")
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, newline="")


def read_records(path: Path) -> Iterator[RawRecord]:
    """Records of a JSON Lines or CSV file (optionally gzipped), chosen by extension."""
    suffixes = [suffix for suffix in path.suffixes if suffix != ".gz"]
    kind = suffixes[-1] if suffixes else ".jsonl"
    with open_text(path) as stream:
        if kind == ".csv":
            yield from read_csv(stream)
        else:
            yield from read_json_lines(stream)


def read_json_lines(stream: IO[str]) -> Iterator[RawRecord]:
    for number, line in _numbered_lines(stream):
        if isinstance(line, Exception):
            yield _damaged(number, line)
            return
        if line.isspace() or not line:
            continue
        text = line.rstrip("\r\n")
        if _has_undecodable_bytes(text):
            yield RawRecord(number, _printable(text), None, Phrase("not valid UTF-8"))
            continue
        try:
            value = loads(text)
        except JsonInputError as error:
            yield RawRecord(number, text, None, error.phrase)
            continue
        if not isinstance(value, dict):
            yield RawRecord(
                number,
                text,
                None,
                Phrase("expected a JSON object, got %(kind)s", {"kind": type(value).__name__}),
            )
            continue
        yield RawRecord(number, text, value)


def read_csv(stream: IO[str]) -> Iterator[RawRecord]:
    header = stream.readline().removeprefix("\ufeff")  # Excel starts its UTF-8 files with a BOM
    # Excel set to Polish (or German, French…) writes ';' between columns, as `sources import` knows.
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(itertools.chain([header], stream), delimiter=delimiter)
    try:
        width = len(reader.fieldnames or [])
    except csv.Error as error:
        yield RawRecord(reader.line_num, "", None, Phrase("unreadable CSV header: %(why)s", {"why": error}))
        return
    for number, row in csv_rows(reader, reader.reader):
        if isinstance(row, COMPRESSION_ERRORS):
            yield _damaged(number + 1, row)
            return
        if isinstance(row, csv.Error):
            yield RawRecord(number, "", None, Phrase("unreadable CSV: %(why)s", {"why": row}))
            continue
        raw_text = json.dumps(row, ensure_ascii=False, default=str)
        if None in row or len(row) != width:
            yield RawRecord(number, raw_text, None, Phrase("expected %(width)s columns", {"width": width}))
            continue
        values = list(row.values())
        if any(_has_undecodable_bytes(value) for value in values if isinstance(value, str)):
            yield RawRecord(number, _printable(raw_text), None, Phrase("not valid UTF-8"))
            continue
        yield RawRecord(number, raw_text, {key: value for key, value in row.items() if key})


def csv_rows(rows: Iterator[Any], reader: Any) -> Iterator[tuple[int, Any]]:
    """Each row with the physical line where it ended (quoted newlines make rows span lines), or
    the csv.Error of a row that cannot be read (a field over the csv module's 128 KiB limit): the
    reader goes on with the next line, so one such row costs only itself. Compressed data that
    breaks off ends the rows with its error."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, error
            continue
        except COMPRESSION_ERRORS as error:
            yield reader.line_num, error
            return
        yield reader.line_num, row


def _numbered_lines(stream: IO[str]) -> Iterator[tuple[int, str | Exception]]:
    """Lines with their 1-based numbers; when compressed data breaks off, its error comes last, on
    the line where the break is (every line before it is good)."""
    number = 0
    lines = iter(stream)
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except COMPRESSION_ERRORS as error:
            yield number + 1, error
            return
        number += 1
        yield number, line


def _damaged(line: int, error: Exception) -> RawRecord:
    return RawRecord(
        line,
        "",
        None,
        Phrase("compressed file damaged or cut off here, nothing after it read (%(why)s)", {"why": error}),
    )


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # what errors="surrogateescape" makes of bad bytes


def _has_undecodable_bytes(text: str) -> bool:
    return _UNDECODABLE.search(text) is not None


def _printable(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
