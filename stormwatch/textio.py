"""Command-line plumbing shared by the commands: files or standard streams, and progress bars."""

from __future__ import annotations

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

from stormwatch.ingest.readers import open_text

T = TypeVar("T")


@contextmanager
def open_input(path: Path) -> Iterator[IO[str]]:
    """A text stream for ``path``; ``-`` is standard input. Undecodable bytes are kept for reporting."""
    if str(path) == "-":
        sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")  # type: ignore[union-attr]
        yield sys.stdin
        return
    with open_text(path) as stream:
        yield stream


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
