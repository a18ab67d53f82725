"""Stormwatch's surge detector on NAB-format series, scored as NAB scores, beside NAB's published detectors.

    uv run python -m bench.nab DIR OUT [--windows FILE] [--profiles FILE] [--results DIR]
        [--doc docs/detection_benchmark.md] [--json FILE]

Every ``*.csv`` (``timestamp,value``) under DIR goes through the product's surge detector
(``detector.py``); its results are written in NAB's format to ``OUT/<corpus>/stormwatch_<file>.csv``.
With label windows (default ``DIR/../labels/combined_windows.json``) the results are scored under
NAB's three profiles (``scoring.py``), and so are the published detectors' results found under
``--results`` (default ``DIR/../results``), each with its threshold searched over these series as
NAB does over its corpus. Their files also carry NAB's own per-row scores at NAB's thresholds
(chosen on all 58 NAB series): the published figure on these series, and the check of this scorer,
which must find a threshold that reproduces those rows.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.nab import detector
from bench.nab.corpus import (
    NabFormatError,
    Series,
    find_series,
    load_windows,
    read_results,
    window_rows,
    write_results,
)
from bench.nab.scoring import (
    DEFAULT_PROFILES,
    CorpusScore,
    Profile,
    Window,
    load_profiles,
    normalise,
    score_corpus,
    scores_by_threshold,
    step_scores,
    sweep,
)

DOC_START = "<!-- bench.nab: start (written by `uv run python -m bench.nab`; edits inside are replaced) -->"
DOC_END = "<!-- bench.nab: end -->"
MATCH_TOLERANCE = 1e-6  # NAB writes its scores with 12 significant digits


@dataclass
class DetectorRow:
    name: str
    searched: dict[str, CorpusScore]  # profile -> score at the threshold searched over these series
    published: dict[str, float] = field(default_factory=dict)  # profile -> normalised, NAB's rows
    # profile -> largest |S(t) difference| from NAB's rows; None: no threshold reproduces them
    reproduced: dict[str, float | None] = field(default_factory=dict)
    as_is: dict[str, CorpusScore] = field(default_factory=dict)  # a binary detector's own alarms, all kept


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except NabFormatError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.nab", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, metavar="DIR", help="NAB data folder: <corpus>/<file>.csv")
    parser.add_argument("out", type=Path, metavar="OUT", help="results folder (NAB format)")
    parser.add_argument(
        "--windows", type=Path, help="label windows (default DIR/../labels/combined_windows.json)"
    )
    parser.add_argument(
        "--profiles", type=Path, help="scoring profiles (default DIR/../config/profiles.json)"
    )
    parser.add_argument("--results", type=Path, help="published detectors' results (default DIR/../results)")
    parser.add_argument("--doc", type=Path, help="markdown file whose bench.nab section gets the table")
    parser.add_argument("--json", type=Path, help="write every score as JSON")
    return parser


def _run(args: argparse.Namespace) -> int:
    root: Path = args.data
    windows_path = args.windows or _beside(root, "labels/combined_windows.json")
    profiles_path = args.profiles or _beside(root, "config/profiles.json")
    results_root = args.results or _beside(root, "results")
    profiles = load_profiles(profiles_path) if profiles_path else DEFAULT_PROFILES
    all_series = find_series(root)
    labelled = load_windows(windows_path) if windows_path else {}
    corpus: dict[str, tuple[Series, list[Window]]] = {}
    for series in all_series:
        windows = window_rows(series.times(), labelled.get(series.key, []), str(root / series.key))
        corpus[series.key] = (series, windows)

    ours: dict[str, dict[str, list[float]]] = {detector.NAME: {}, detector.SIGNALS_NAME: {}}
    for key, (series, windows) in corpus.items():
        started = time.perf_counter()
        times = series.times()
        signals = detector.step_signals(times, series.values)
        alerts = detector.step_alerts(times, signals)
        for name, events in ((detector.NAME, alerts), (detector.SIGNALS_NAME, signals)):
            ours[name][key] = detector.anomaly_scores(events)
            path = write_results(args.out, name, series, ours[name][key], windows)
        kinds = Counter(signal.kind for step in signals for signal in step)
        print(
            f"{key}: {len(series.values):,} steps, {sum(series.values):,.0f} mentions; "
            f"{sum(map(bool, alerts))} steps with alerts, {sum(map(bool, signals))} with signals "
            f"({dict(kinds)}), {time.perf_counter() - started:.1f} s -> {path.parent}",
            file=sys.stderr,
        )
    if not labelled:
        print("no label windows: results written, nothing scored", file=sys.stderr)
        return 0

    rows = [
        _score(name, {k: (scores[k], w) for k, (_, w) in corpus.items()}, profiles, own_alarms=True)
        for name, scores in ours.items()
    ]
    if results_root is not None:
        rows += _published_rows(results_root, corpus, profiles)
    windows_total = sum(len(w) for _, w in corpus.values())
    table = markdown(rows, profiles, len(corpus), windows_total)
    print(table)
    if args.doc:
        write_section(args.doc, table)
    if args.json:
        args.json.write_text(json.dumps([_as_json(row) for row in rows], indent=1), encoding="utf-8")
    return 0


def _beside(root: Path, relative: str) -> Path | None:
    path = root.resolve().parent / relative
    return path if path.exists() else None


def _score(
    name: str,
    series: Mapping[str, tuple[Sequence[float], Sequence[Window]]],
    profiles: Sequence[Profile],
    own_alarms: bool = False,
) -> DetectorRow:
    """Scores at the searched threshold; for a detector that only alarms or not (``own_alarms``) also
    at its alarms as they are, which the search drops when they score below never alarming."""
    row = DetectorRow(name, {p.name: score_corpus(series, p) for p in profiles})
    if own_alarms:
        row.as_is = {p.name: score_corpus(series, p, threshold=1.0) for p in profiles}
    return row


def _published_rows(
    results_root: Path, corpus: Mapping[str, tuple[Series, list[Window]]], profiles: Sequence[Profile]
) -> list[DetectorRow]:
    rows = []
    for folder in sorted(p for p in results_root.iterdir() if p.is_dir()):
        paths = {key: folder / s.corpus / f"{folder.name}_{s.name}" for key, (s, _) in corpus.items()}
        if not all(path.exists() for path in paths.values()):
            print(f"{folder.name}: results for some series missing, skipped", file=sys.stderr)
            continue
        published = {key: read_results(path) for key, path in paths.items()}
        series = {key: (published[key].anomaly, corpus[key][1]) for key in corpus}
        row = _score(folder.name, series, profiles)
        for profile in profiles:
            columns = {key: result.step_scores.get(profile.name) for key, result in published.items()}
            if any(column is None for column in columns.values()):
                continue
            known = {key: column for key, column in columns.items() if column is not None}
            windows_total = sum(len(w) for _, w in series.values())
            row.reproduced[profile.name] = error = reproduction_error(series, known, profile)
            if error is not None:  # else the file's rows are not NAB's scores of its anomaly scores
                raw = sum(sum(column) for column in known.values())
                row.published[profile.name] = normalise(raw, windows_total, profile)
        rows.append(row)
    return rows


def reproduction_error(
    series: Mapping[str, tuple[Sequence[float], Sequence[Window]]],
    published: Mapping[str, Sequence[float]],
    profile: Profile,
) -> float | None:
    """The largest difference between NAB's per-row scores and this scorer's at the one threshold
    that gives every series NAB's score (NAB's threshold is not in its results files; its per-series
    scores are). None when no single threshold gives them all."""
    tables = {}
    for key, (anomaly, windows) in series.items():
        table = scores_by_threshold(((key, p) for p in sweep(anomaly, windows, profile)), profile)
        tables[key] = ([-entry.threshold for entry in table], [entry.score for entry in table])
    candidates = sorted({-t for negated, _ in tables.values() for t in negated}, reverse=True)
    targets = {key: sum(column) for key, column in published.items()}
    for threshold in candidates:
        if all(
            abs(scores[max(bisect.bisect_right(negated, -threshold) - 1, 0)] - targets[key]) < MATCH_TOLERANCE
            for key, (negated, scores) in tables.items()
        ):
            return max(
                max(
                    abs(a - b)
                    for a, b in zip(
                        step_scores(anomaly, windows, profile, threshold), published[key], strict=True
                    )
                )
                for key, (anomaly, windows) in series.items()
            )
    return None


PROFILE_LABELS = {"standard": "standard", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}


def markdown(rows: Sequence[DetectorRow], profiles: Sequence[Profile], files: int, windows: int) -> str:
    names = [PROFILE_LABELS.get(p.name, p.name) for p in profiles]
    header = (
        ["detector"]
        + [f"{n} (threshold searched here)" for n in names]
        + [f"{n} (NAB's run)" for n in names]
        + ["scorer reproduces NAB's rows (max abs diff)"]
    )
    lines = [
        f"{files} series, {windows} labelled windows. Normalised: null detector 0, perfect 100.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" + "---:|" * (len(header) - 2) + "---|",
    ]
    first = profiles[0].name
    for row in sorted(rows, key=lambda r: r.searched[first].normalised, reverse=True):
        name = f"**{row.name}**" if row.name == detector.NAME else row.name
        cells = [name] + [f"{row.searched[p.name].normalised:.1f}" for p in profiles]
        cells += [f"{row.published[p.name]:.1f}" if p.name in row.published else "–" for p in profiles]
        cells.append(_reproduced(row, profiles))
        lines.append("| " + " | ".join(cells) + " |")
    binary = [row for row in rows if row.as_is]
    if binary:
        lines += [
            "",
            "Stormwatch alarms or does not, so the threshold search above can only keep all its alarms or "
            "none (the null detector's 0). With all of them kept:",
            "",
            "| detector | "
            + " | ".join(names)
            + " | windows caught | windows missed | alarmed steps outside windows |",
            "|---|" + "---:|" * (len(names) + 3),
        ]
        for row in binary:
            first_score = row.as_is[first]
            cells = [row.name] + [f"{row.as_is[p.name].normalised:.1f}" for p in profiles]
            cells += [str(first_score.tp), str(first_score.fn), str(first_score.fp)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _reproduced(row: DetectorRow, profiles: Sequence[Profile]) -> str:
    if not row.reproduced:
        return "–"
    errors = [row.reproduced.get(p.name) for p in profiles]
    if any(error is None for error in errors):
        return "no: " + ", ".join(p.name for p, e in zip(profiles, errors, strict=True) if e is None)
    return f"yes ({max(e for e in errors if e is not None):.0e})"


def write_section(path: Path, table: str) -> None:
    """Put the table between the bench.nab markers of ``path`` (appended with them when absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = f"{DOC_START}\n{table}{DOC_END}"
    if DOC_START in text and DOC_END in text:
        before, rest = text.split(DOC_START, 1)
        after = rest.split(DOC_END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def _as_json(row: DetectorRow) -> dict[str, object]:
    return {
        "detector": row.name,
        "searched": {name: asdict(score) for name, score in row.searched.items()},
        "own_alarms": {name: asdict(score) for name, score in row.as_is.items()},
        "published_normalised": row.published,
        "reproduction_max_abs_diff": row.reproduced,
    }
