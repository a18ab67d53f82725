"""NAB's files: data series (``<corpus>/<file>.csv``: ``timestamp,value``), label windows
(``combined_windows.json``) and results (``<detector>/<corpus>/<detector>_<file>.csv``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.nab.scoring import Window

RESULT_FIELDS = ("timestamp", "value", "anomaly_score", "label")


class NabFormatError(ValueError):
    """A NAB file that cannot be read; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class Series:
    corpus: str  # the folder under the data root, e.g. "realTweets"
    name: str  # the file name, e.g. "Twitter_volume_AAPL.csv"
    timestamps: tuple[str, ...]  # as written in the file
    values: tuple[float, ...]

    @property
    def key(self) -> str:
        """The name NAB's label files use: ``<corpus>/<file>``."""
        return f"{self.corpus}/{self.name}" if self.corpus else self.name

    def times(self) -> list[datetime]:
        return [parse_time(t) for t in self.timestamps]


def parse_time(text: str) -> datetime:
    """NAB's timestamps, with or without fractional seconds ("2015-03-03 04:37:53.000000")."""
    return datetime.fromisoformat(text.strip())


def find_series(root: Path) -> list[Series]:
    """Every NAB-format CSV under ``root``, in path order."""
    paths = sorted(root.rglob("*.csv"))
    if not paths:
        raise NabFormatError(f"{root}: no .csv files")
    return [read_series(path, root) for path in paths]


def read_series(path: Path, root: Path) -> Series:
    relative = path.relative_to(root)
    corpus = relative.parent.as_posix() if relative.parent != Path(".") else ""
    timestamps: list[str] = []
    values: list[float] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"timestamp", "value"} - set(reader.fieldnames or ())
        if missing:
            raise NabFormatError(f"{path}:1: header lacks {', '.join(sorted(missing))}")
        for row in reader:
            line = reader.line_num
            try:
                parse_time(row["timestamp"])
            except (TypeError, ValueError) as err:
                raise NabFormatError(f"{path}:{line}: timestamp {row['timestamp']!r}: {err}") from err
            try:
                value = float(row["value"])
            except (TypeError, ValueError) as err:
                raise NabFormatError(f"{path}:{line}: value {row['value']!r} is not a number") from err
            timestamps.append(row["timestamp"])
            values.append(value)
    return Series(corpus, relative.name, tuple(timestamps), tuple(values))


def load_windows(path: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    windows: dict[str, list[tuple[datetime, datetime]]] = {}
    for key, pairs in raw.items():
        try:
            windows[key] = [(parse_time(start), parse_time(end)) for start, end in pairs]
        except (TypeError, ValueError) as err:
            raise NabFormatError(f"{path}: windows of {key!r}: {err}") from err
    return windows


def window_rows(
    times: Sequence[datetime], windows: Sequence[tuple[datetime, datetime]], where: str
) -> list[Window]:
    """Windows as row indices. NAB matches window edges to timestamps exactly; so does this."""
    index = {moment: row for row, moment in enumerate(times)}
    rows = []
    for start, end in windows:
        if start not in index or end not in index:
            raise NabFormatError(
                f"{where}: window [{start}, {end}] does not start and end on rows of the series"
            )
        rows.append((index[start], index[end]))
    return rows


def labels_of(length: int, windows: Sequence[Window]) -> list[int]:
    labels = [0] * length
    for first, last in windows:
        labels[first : last + 1] = [1] * (last - first + 1)
    return labels


def result_path(out: Path, detector: str, series: Series) -> Path:
    return out / series.corpus / f"{detector}_{series.name}"


def write_results(
    out: Path, detector: str, series: Series, anomaly: Sequence[float], windows: Sequence[Window]
) -> Path:
    """``OUT/<corpus>/<detector>_<file>.csv`` in NAB's results format."""
    path = result_path(out, detector, series)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = labels_of(len(series.values), windows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_FIELDS)
        for row in zip(series.timestamps, series.values, anomaly, labels, strict=True):
            timestamp, value, score, label = row
            writer.writerow((timestamp, _number(value), _number(score), label))
    return path


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True, slots=True)
class PublishedResult:
    """One detector's published results file: its anomaly scores and NAB's own per-row scores."""

    anomaly: tuple[float, ...]
    step_scores: dict[str, tuple[float, ...]]  # profile name -> S(t)_<profile> column


def read_results(path: Path) -> PublishedResult:
    anomaly: list[float] = []
    columns: dict[str, list[float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or ()
        if "anomaly_score" not in fields:
            raise NabFormatError(f"{path}:1: header lacks anomaly_score")
        profiles = [f.removeprefix("S(t)_") for f in fields if f.startswith("S(t)_")]
        for name in profiles:
            columns[name] = []
        for row in reader:
            try:
                anomaly.append(float(row["anomaly_score"]))
                for name in profiles:
                    columns[name].append(float(row[f"S(t)_{name}"]))
            except (TypeError, ValueError) as err:
                raise NabFormatError(f"{path}:{reader.line_num}: {err}") from err
    return PublishedResult(tuple(anomaly), {name: tuple(v) for name, v in columns.items()})
