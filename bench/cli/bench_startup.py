"""How long the command line takes to answer before it does any work.

    uv run python -m bench.cli.bench_startup [--runs 15]

Each command runs as a fresh process (what a person typing it waits for); every run of a command is
paired with a run of the bare interpreter just before it (``python -c pass``, the floor no command
can go under), and the medians and the median ratio are printed. ``stormwatch ingest --help`` and
``user --help`` load their own modules (the database layer for ``user``), as running them would.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = (
    ["--help"],
    ["ingest", "--help"],
    ["detect", "--help"],
    ["user", "--help"],
)


def wall_time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    floor = [sys.executable, "-c", "pass"]
    print(f"{'command':28s} {'median s':>9s} {'python -c pass':>15s} {'ratio':>7s}")
    for command in COMMANDS:
        wall_time([sys.executable, "-m", "stormwatch", *command])  # warm the file cache once
        pairs = [
            (wall_time(floor), wall_time([sys.executable, "-m", "stormwatch", *command]))
            for _ in range(args.runs)
        ]
        base = statistics.median(p[0] for p in pairs)
        took = statistics.median(p[1] for p in pairs)
        ratio = statistics.median(p[1] / p[0] for p in pairs)
        print(f"{'stormwatch ' + ' '.join(command):28s} {took:9.3f} {base:15.3f} {ratio:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
