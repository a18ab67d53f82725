"""The ``analyze`` contract as a function: JSON Lines in, the same records with judgements out.

Each input line is a JSON object with at least a string ``text`` (optional ``lang``, ``id`` and any other
field, all kept), or a plain line of text, taken as ``{"text": LINE}``. Output records gain ``lang`` (ISO 639-1 or null), ``sentiment``, ``sentiment_score``
(-1..1) and ``cause`` (one of the five causes or null). Work is done in batches, so memory stays
constant on any input size. A malformed line is reported (line number and field) and skipped, or
copied to the quarantine stream; the rest goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.ingest.jsontext import JsonInputError, loads
from stormwatch.ingest.parsing import MAX_TEXT_LENGTH, RecordError, check_text

DEFAULT_BATCH_SIZE = 512


@dataclass(frozen=True, slots=True)
class Malformed:
    line_number: int
    reason: str
    raw: str


@dataclass(slots=True)
class StreamStats:
    written: int = 0
    malformed: int = 0


def parse_line(line_number: int, line: str) -> dict[str, Any] | Malformed:
    if _UNDECODABLE.search(line):
        return Malformed(
            line_number, "not valid UTF-8", line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        )
    if not line.lstrip().startswith("{"):
        # A plain line of text (a pasted post, `echo "…" | stormwatch analyze`) is a record with only
        # a text; a line that starts like JSON but is broken stays an error, not a text.
        return {"text": line.strip()}
    try:
        record = loads(line)  # the ingest's reader: deep nesting and huge numbers are errors too
    except JsonInputError as error:
        return Malformed(line_number, str(error), line)
    if not isinstance(record, dict):
        return Malformed(line_number, "not a JSON object", line)
    if not isinstance(record.get("text"), str):
        problem = "missing" if "text" not in record else "not a string"
        return Malformed(line_number, f"field 'text' is {problem}", line)
    try:
        check_text(record["text"], "text", MAX_TEXT_LENGTH)  # the ingest's rule for stored texts
    except RecordError as error:
        return Malformed(line_number, f"field {error}", line)
    if "\\u" in line and _has_lone_surrogate(record):  # only a \u escape makes one
        return Malformed(line_number, "a field contains a lone surrogate (not valid Unicode)", line)
    return record


# What reading a file with errors="surrogateescape" makes of bytes that are not UTF-8.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _has_lone_surrogate(record: dict[str, Any]) -> bool:
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _batches(
    lines: Iterable[str], size: int, on_malformed: Callable[[Malformed], None]
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = parse_line(line_number, line)
        if isinstance(parsed, Malformed):
            on_malformed(parsed)
            continue
        batch.append(parsed)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _given_language(record: dict[str, Any]) -> str | None:
    lang = record.get("lang")
    return lang.lower() if isinstance(lang, str) and lang.strip() else None


def analyze_stream(
    lines: Iterable[str],
    output: IO[str],
    analyzer: TextAnalyzer,
    *,
    on_malformed: Callable[[Malformed], None],
    on_batch: Callable[[int], None] = lambda n: None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> StreamStats:
    stats = StreamStats()

    def count_malformed(problem: Malformed) -> None:
        stats.malformed += 1
        on_malformed(problem)

    for batch in _batches(lines, batch_size, count_malformed):
        judgements = analyzer.judge([r["text"] for r in batch], [_given_language(r) for r in batch])
        for record, judgement in zip(batch, judgements, strict=True):
            record.update(
                lang=judgement.lang,
                sentiment=judgement.sentiment,
                sentiment_score=judgement.sentiment_score,
                cause=judgement.cause,
            )
            output.write(json.dumps(record, ensure_ascii=False))
            output.write("\n")
        stats.written += len(batch)
        on_batch(len(batch))
    return stats
