"""Command-line plumbing shared by the commands: files or standard streams, and progress bars."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from stormwatch.ingest.readers import open_text, text_stream

T = TypeVar("T")


@contextmanager
def open_input(path: Path, errors: str = "surrogateescape") -> Iterator[IO[str]]:
    """A text stream for ``path``, ``-`` for standard input, gunzipped when it is gzip. Undecodable
    bytes are kept for reporting unless ``errors`` says otherwise."""
    if str(path) != "-":
        with open_text(path, errors) as stream:
            yield stream
        return
    stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if not isinstance(stdin, io.BufferedReader):  # a test's or an embedding program's text stdin
        yield sys.stdin
        return
    stream = text_stream(stdin, errors)
    try:
        yield stream
    finally:
        underlying = stream.detach()  # standard input stays open for whoever comes next
        if isinstance(underlying, gzip.GzipFile):
            underlying.close()  # closes the decompressor only, not the stream it reads


@contextmanager
def open_output(path: Path) -> Iterator[IO[str]]:
    if str(path) == "-":
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as stream:
        yield stream


def progress(items: Iterable[T], description: str) -> Iterator[T]:
    """Yield ``items``, showing a live count on stderr when it is a terminal (never in pipes or CI)."""
    if not sys.stderr.isatty():
        yield from items
        return
    columns = (
        SpinnerColumn(),
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=None)
        for item in items:
            yield item
            bar.advance(task)
