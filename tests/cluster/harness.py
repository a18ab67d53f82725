"""A cluster of real worker processes over the real NATS and PostgreSQL servers, for the tests and
the benchmark: a fresh stream prefix each time, so parallel runs never share a stream."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

from sqlalchemy import func, select

from stormwatch.alerting.models import Alert
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.cluster.bus import connect
from stormwatch.cluster.config import ClusterSettings
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import read_records
from stormwatch.ingest.service import MentionIngestor
from stormwatch.store.db import Store
from stormwatch.workspace.config import load_config
from stormwatch.workspace.service import apply_config

REPO = Path(__file__).resolve().parents[2]
DEMO_STREAM = REPO / "stormwatch" / "demo" / "sample_stream.jsonl.gz"
DEMO_WORKSPACE = REPO / "stormwatch" / "demo" / "workspace.toml"
NATS_URL = os.environ.get("STORMWATCH_TEST_NATS_URL", "nats://127.0.0.1:4222")
# A crisis event as both sides report it: key, kind, severity, time.
CrisisFact = tuple[str, str, int, str]
ALERTING = ("opened", "escalated", "reopened")


def slice_stream(path: Path, lines: int | None) -> Path:
    """The first ``lines`` of the demo stream (all of it with None) as a plain JSON Lines file."""
    with gzip.open(DEMO_STREAM, "rt", encoding="utf-8") as source:
        path.write_text("".join(islice(source, lines)), encoding="utf-8")
    return path


class AlertInbox:
    """A real HTTP endpoint that apprise's json:// alerts are delivered to; counts every delivery."""

    def __init__(self) -> None:
        self.titles: list[str] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.titles.append(json.loads(body).get("title", ""))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()


def workspace_file(path: Path, alert_url: str) -> Path:
    text = DEMO_WORKSPACE.read_text(encoding="utf-8").replace(
        "alert_urls = []", f'alert_urls = ["{alert_url}"]'
    )
    path.write_text(text, encoding="utf-8")
    return path


def store_mentions(store: Store, workspace: Path, stream: Path) -> int:
    """What a listener does: store the mentions (idempotently) in PostgreSQL."""
    config = load_config(workspace)
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    ingestor = MentionIngestor(store, workspace_id, window=config.ingest.window())
    return ingestor.ingest(read_records(stream), origin=stream.name).stored


def replay_facts(workspace: Path, stream: Path) -> list[CrisisFact]:
    """What ``stormwatch detect --fast`` reports for the stream (run as the CLI runs it)."""
    output = subprocess.run(
        [sys.executable, "-m", "stormwatch", "detect", str(stream), "--config", str(workspace), "--fast"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    return sorted((line["crisis_id"], line["event"], line["severity"], line["at"]) for line in lines)


def stored_facts(store: Store) -> list[CrisisFact]:
    with store.session() as session:
        rows = session.execute(
            select(Crisis.key, CrisisEvent.kind, CrisisEvent.data, CrisisEvent.at)
            .join(Crisis, Crisis.id == CrisisEvent.crisis_id)
            .where(CrisisEvent.kind.in_(ALERTING))
        ).all()
    return sorted(
        (key, kind, int(data["severity"]), at.isoformat().replace("+00:00", "Z"))
        for key, kind, data, at in rows
    )


@dataclass
class Progress:
    stored: int
    analysed: int
    duplicates: int
    alerts_pending: int


def progress(store: Store) -> Progress:
    with store.session() as session:
        stored = session.scalar(select(func.count()).select_from(Mention)) or 0
        analysed = session.scalar(select(func.count()).select_from(Enrichment)) or 0
        duplicates = session.scalar(
            select(func.count()).select_from(
                select(Mention.brand_id, Mention.source, Mention.external_id)
                .group_by(Mention.brand_id, Mention.source, Mention.external_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        pending = session.scalar(
            select(func.count()).select_from(Alert).where(Alert.status.in_(("pending", "sending")))
        )
    return Progress(stored, analysed, duplicates or 0, pending or 0)


@dataclass
class Cluster:
    """Worker processes of one deployment (one prefix), started and killed by role."""

    database_url: str
    workspace: Path
    log_dir: Path
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    partitions: int = 4
    lease_seconds: float = 5.0
    snapshot_seconds: float = 5.0
    processes: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)
    analysis_fast: bool = True  # as `stormwatch detect --fast`, which the tests compare with
    extra: dict[str, list[str]] = field(default_factory=dict)  # more options for the next start of a role

    def common(self) -> list[str]:
        return ["--nats", NATS_URL, "--prefix", self.prefix]

    def command(self, role: str) -> list[str]:
        base = [sys.executable, "-m", "stormwatch", "worker", role, *self.common()]
        lease = ["--lease-seconds", str(self.lease_seconds)]
        if role == "listen":
            return [
                *base,
                "--config",
                str(self.workspace),
                "--database",
                self.database_url,
                "--partitions",
                str(self.partitions),
                *lease,
            ]
        if role == "analyze":
            return [*base, *(["--fast"] if self.analysis_fast else []), "--partitions", str(self.partitions)]
        if role == "detect":
            return [
                *base,
                "--database",
                self.database_url,
                "--partitions",
                str(self.partitions),
                *lease,
                "--snapshot-seconds",
                "1",
            ]
        return [*base, "--database", self.database_url, *lease]

    def start(self, role: str, count: int = 1) -> None:
        for _ in range(count):
            number = len(self.processes.get(role, []))
            log = (self.log_dir / f"{role}-{number}-{time.monotonic_ns()}.log").open("wb")
            process = subprocess.Popen(
                [*self.command(role), *self.extra.pop(role, [])],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
            self.processes.setdefault(role, []).append(process)

    def kill(self, role: str, index: int = 0) -> None:
        """kill -9 one worker of ``role`` and start a replacement, as a supervisor would."""
        process = self.processes[role].pop(index)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.start(role)

    def alive(self) -> Counter[str]:
        return Counter({role: sum(p.poll() is None for p in ps) for role, ps in self.processes.items()})

    def stop(self) -> None:
        for processes in self.processes.values():
            for process in processes:
                if process.poll() is None:
                    process.terminate()
        for processes in self.processes.values():
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def takeovers(self) -> list[tuple[int, int]]:
        """(snapshot seq, committed seq) of every partition a detection worker opened."""
        pattern = re.compile(r"resumed from snapshot at seq (\d+), effects committed to seq (\d+)")
        text = "".join(p.read_text(errors="replace") for p in self.log_dir.glob("detect-*.log"))
        return [(int(a), int(b)) for a, b in pattern.findall(text)]

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.log_dir.glob("*.log"))
        )


def drain(store: Store, cluster: Cluster, expected: int, timeout: float) -> Progress:
    """Wait until every stored mention is analysed and detected on and no alert waits to be sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = progress(store)
        if state.analysed >= expected and state.alerts_pending == 0:
            return state
        time.sleep(0.5)
    raise AssertionError(f"not drained in {timeout}s: {progress(store)}\n{cluster.logs()}")


def drop_streams(prefix: str) -> None:
    """Remove a run's streams and lease bucket from the server (they would stay for eight days)."""

    async def drop() -> None:
        settings = ClusterSettings(nats_url=NATS_URL, prefix=prefix)
        client, js = await connect(settings)
        for name in (settings.stored_stream, settings.analysed_stream, f"KV_{settings.lease_bucket}"):
            with contextlib.suppress(Exception):
                await js.delete_stream(name)
        await client.close()

    asyncio.run(drop())
