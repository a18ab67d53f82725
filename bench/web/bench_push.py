"""Push throughput of the real server, its backlog drain rate, and `detect`'s rate on the same mentions.

    uv run python -m bench.web.bench_push [--database URL] [--clients 32] [--single 2000] [--batched 20000]

Builds a fresh database (SQLite file in a temporary folder; with --database a PostgreSQL server, in
a fresh schema dropped afterwards) holding the demo's workspace and a backlog of the bundled demo
stream (3,464 mentions per --backlog-copies), then starts the real server (`stormwatch serve`, a
child process: uvicorn, the live pipeline in the background) and measures, in this order:

* **drain**: the stored backlog analysed by the background loop, mentions/s (pending count polled
  through `GET /api/failed-mentions` from the moment the server answers until it is 0);
* **push, single**: --clients concurrent clients each POSTing one mention per request;
* **push, batched**: the same clients POSTing --batch mentions per request;
  for both, accepted mentions/s (202 answers, over the phase's wall time) and p50/p99 latency;
* **detect**: after the server stops, the backlog's mentions through `stormwatch detect`'s code path
  (`Pipeline.replay`, the same analysis tier as the server) in this process, mentions/s;
  the drain's ratio to it is printed.

Pushed mentions are copies of the demo stream shifted later in time with new ids (so none is a
duplicate). The issue's targets: batched ≥ 1,000 accepted mentions/s with p99 < 1 s; drain ≥ 0.8 ×
detect. Figures depend on the machine and on what else runs on it: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from stormwatch.auth.service import create_token
from stormwatch.demo.runner import SAMPLE_STREAM, WORKSPACE_FILE
from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.store.db import Store
from stormwatch.workspace.config import load_config
from stormwatch.workspace.service import apply_config

DEMO_DAYS = timedelta(days=4)  # the demo stream spans three days; copies are shifted by four
TARGET_RATE = 1000.0
TARGET_P99_S = 1.0
TARGET_DRAIN_RATIO = 0.8


def demo_records() -> list[dict[str, Any]]:
    with gzip.open(SAMPLE_STREAM, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def copies(records: list[dict[str, Any]], first: int, count: int) -> list[dict[str, Any]]:
    """``count`` mentions: the demo stream again and again from copy ``first``, later each time."""
    out: list[dict[str, Any]] = []
    number = first
    while len(out) < count:
        shift = DEMO_DAYS * number
        for record in records:
            moment = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00")) + shift
            stamp = moment.isoformat().replace("+00:00", "Z")
            out.append(record | {"id": f"{record['id']}-c{number}", "created_at": stamp})
            if len(out) == count:
                break
        number += 1
    return out


@dataclass
class PushFigures:
    mentions: int
    requests: int
    wall_s: float
    latencies: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return self.mentions / self.wall_s if self.wall_s else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def push(url: str, token: str, bodies: list[list[dict[str, Any]]], clients: int) -> PushFigures:
    work: queue.Queue[list[dict[str, Any]]] = queue.Queue()
    for body in bodies:
        work.put(body)
    latencies: list[float] = []
    accepted = [0]
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                answer = http.post("/api/mentions", json=body if len(body) > 1 else body[0])
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if answer.status_code == 202:
                        accepted[0] += answer.json()["stored"] + answer.json()["duplicates"]
                    else:
                        failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return PushFigures(accepted[0], len(bodies), time.perf_counter() - started, latencies, failures[0])


def pending(http: httpx.Client) -> int:
    return int(http.get("/api/failed-mentions", params={"limit": 1}).json()["pending"])


def wait_drained(http: httpx.Client, timeout: float) -> tuple[int, float]:
    """The pending count first seen, and the seconds until none was pending."""
    first = pending(http)
    started = time.perf_counter()
    deadline = started + timeout
    while pending(http) > 0:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"backlog not drained in {timeout:.0f} s")
        time.sleep(0.1)
    return first, time.perf_counter() - started


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None or not url.startswith("postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            yield url or f"sqlite:///{Path(folder) / 'push.db'}"
        return
    schema = f"bench_push_{uuid.uuid4().hex[:8]}"
    driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(driver_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, backlog: list[dict[str, Any]]) -> str:
    """The workspace, the stored backlog, and a token that may push; returns the token."""
    store = Store.open(url)
    with store.session() as session:
        workspace_id = apply_config(session, load_config(WORKSPACE_FILE)).id
        secret, _ = create_token(session, workspace_id, "bench", ["read", "mentions:write"], actor="bench")
    raw = [RawRecord(i, "", record) for i, record in enumerate(backlog, 1)]
    MentionIngestor(store, workspace_id).ingest(raw, origin="bench")
    store.engine.dispose()
    return secret


@contextmanager
def server(url: str, log_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "stormwatch", "serve", "--config", str(WORKSPACE_FILE)]
    command += ["--database", url, "--port", str(port)]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited; see {log_path}")
                try:
                    httpx.get(f"{base}/login", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(30)


def detect_rate(records: list[dict[str, Any]], repeats: int) -> float:
    """`stormwatch detect`'s code path on these mentions (models loaded before the clock starts)."""
    from stormwatch.analysis.text_analyzer import TextAnalyzer
    from stormwatch.ingest.parsing import parse_mention
    from stormwatch.pipeline import Pipeline

    mentions = [parse_mention(record) for record in records]
    judge = TextAnalyzer.load()
    config = load_config(WORKSPACE_FILE)
    rates = []
    for _ in range(repeats):
        pipeline = Pipeline.for_config(judge, config)
        started = time.perf_counter()
        for _update in pipeline.replay(mentions):
            pass
        rates.append(len(mentions) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (a fresh schema is used); default SQLite")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--single", type=int, default=2000, help="mentions pushed one per request")
    parser.add_argument("--batched", type=int, default=20000, help="mentions pushed --batch per request")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--backlog-copies", type=int, default=1, help="demo streams stored before start")
    parser.add_argument("--detect-repeats", type=int, default=3)
    args = parser.parse_args()

    records = demo_records()
    backlog = copies(records, 0, len(records) * args.backlog_copies)
    copy = args.backlog_copies
    single = copies(records, copy, args.single)
    batched = copies(records, copy + 1 + args.single // len(records), args.batched)
    batches = [batched[i : i + args.batch] for i in range(0, len(batched), args.batch)]

    with database(args.database) as url, tempfile.TemporaryDirectory() as folder:
        token = prepare(url, backlog)
        log_path = Path(folder) / "serve.log"
        with server(url, log_path) as base, httpx.Client(base_url=base, timeout=30) as http:
            http.headers["Authorization"] = f"Bearer {token}"
            drained, drain_s = wait_drained(http, timeout=1800)
            one = push(base, token, [[m] for m in single], args.clients)
            many = push(base, token, batches, args.clients)
            left, left_s = wait_drained(http, timeout=1800)
        engine = url.split(":", 1)[0]
        troubles = [
            line for line in log_path.read_text().splitlines() if "ERROR" in line or "WARNING" in line
        ]
    detect = detect_rate(backlog, args.detect_repeats)

    drain_rate = drained / drain_s if drain_s else float("nan")
    print(f"database: {engine}; {args.clients} concurrent clients; demo stream mentions")
    print(
        f"{'':>28}  {'mentions':>8}  {'req':>6}  {'mentions/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}  {'fail':>4}"
    )
    for name, figures in (("push, 1 per request", one), (f"push, {args.batch} per request", many)):
        print(
            f"{name:>28}  {figures.mentions:>8}  {figures.requests:>6}  {figures.rate:>10,.0f}  "
            f"{figures.quantile(0.5) * 1000:>7.0f}  {figures.quantile(0.99) * 1000:>7.0f}  {figures.failures:>4}"
        )
    print(f"{'backlog drain':>28}  {drained:>8}  {'':>6}  {drain_rate:>10,.0f}")
    print(f"{'detect, same mentions':>28}  {len(backlog):>8}  {'':>6}  {detect:>10,.0f}")
    print(f"drain / detect = {drain_rate / detect:.2f} (target ≥ {TARGET_DRAIN_RATIO})")
    left_rate = left / left_s if left_s else float("nan")
    print(
        f"after the pushes {left} mentions were pending; drained in {left_s:.1f} s = {left_rate:,.0f}/s "
        f"({left_rate / detect:.2f} x detect; the first drain also pays the pipeline's first batch)"
    )
    print(f"server log: {len(troubles)} warnings or errors" + "".join(f"\n  {t}" for t in troubles[:5]))
    batched_ok = many.rate >= TARGET_RATE and many.quantile(0.99) < TARGET_P99_S
    print(
        f"targets: batched ≥ {TARGET_RATE:,.0f}/s with p99 < {TARGET_P99_S:.0f} s: "
        f"{'met' if batched_ok else 'missed'}; drain ≥ {TARGET_DRAIN_RATIO} × detect: "
        f"{'met' if drain_rate >= TARGET_DRAIN_RATIO * detect else 'missed'}"
    )


if __name__ == "__main__":
    main()
