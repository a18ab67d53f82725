"""Reading export files record by record, keeping the line number of each for error reports."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record of an input file: its 1-based line and either its fields or why it is unreadable."""

    line: int
    raw_text: str
    fields: dict[str, Any] | None
    error: str | None = None


def open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape", newline="")
    return path.open(encoding="utf-8", errors="surrogateescape", newline="")


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
    for number, line in enumerate(stream, start=1):
        if line.isspace() or not line:
            continue
        text = line.rstrip("\r\n")
        if _has_undecodable_bytes(text):
            yield RawRecord(number, _printable(text), None, "not valid UTF-8")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield RawRecord(number, text, None, f"not valid JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(value, dict):
            yield RawRecord(number, text, None, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield RawRecord(number, text, value)


def read_csv(stream: IO[str]) -> Iterator[RawRecord]:
    header = stream.readline().removeprefix("\ufeff")  # Excel starts its UTF-8 files with a BOM
    # Excel set to Polish (or German, French…) writes ';' between columns, as `sources import` knows.
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(itertools.chain([header], stream), delimiter=delimiter)
    width = len(reader.fieldnames or [])
    for row in reader:
        # line_num is the physical line where this row ended; quoted newlines make rows span lines.
        number = reader.line_num
        raw_text = json.dumps(row, ensure_ascii=False, default=str)
        if None in row or len(row) != width:
            yield RawRecord(number, raw_text, None, f"expected {width} columns")
            continue
        values = list(row.values())
        if any(_has_undecodable_bytes(value) for value in values if isinstance(value, str)):
            yield RawRecord(number, _printable(raw_text), None, "not valid UTF-8")
            continue
        yield RawRecord(number, raw_text, {key: value for key, value in row.items() if key})


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # what errors="surrogateescape" makes of bad bytes


def _has_undecodable_bytes(text: str) -> bool:
    return _UNDECODABLE.search(text) is not None


def _printable(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
