"""Scale-out benchmark (issue 22): analysis workers 1 → 2, the detection stage alone, and the whole
cluster's end-to-end rate and lag under a bounded load — one command, ratios from the same run.

    uv run --all-groups python -m bench.cluster.run [--mentions 6000] [--repeats 3] [--rate 300] [--seconds 30]

Real NATS JetStream (127.0.0.1:4222, or STORMWATCH_TEST_NATS_URL) and PostgreSQL (tests/conftest.py's
server); the demo stream's texts. Each analysis measurement starts the workers, waits until they
pull (models loaded), publishes ``--mentions`` stored-stream messages and times from then until every
one is acked, with the CPU the workers and the NATS server used meanwhile; 1 and 2 workers
alternate, each in a fresh stream prefix, and the ratio is the median of the paired ratios. The
machine's other load is printed: on a shared machine, read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.cluster.bus import ANALYSIS_CONSUMER, connect, ensure_streams
from stormwatch.cluster.codec import StoredMention, encode_stored
from stormwatch.cluster.config import ClusterSettings
from stormwatch.detection.cli import _mentions
from stormwatch.ingest.models import Mention
from stormwatch.ingest.readers import read_records
from stormwatch.ingest.service import MentionIngestor
from stormwatch.pipeline import Pipeline
from stormwatch.store.db import Store
from stormwatch.workspace.config import load_config
from stormwatch.workspace.service import apply_config
from tests.cluster.harness import (
    DEMO_STREAM,
    DEMO_WORKSPACE,
    NATS_URL,
    Cluster,
    drop_streams,
    slice_stream,
    workspace_file,
)
from tests.conftest import POSTGRES_URL


def demo_mentions(count: int | None) -> list[StoredMention]:
    config = load_config(DEMO_WORKSPACE)
    with gzip.open(DEMO_STREAM, "rt", encoding="utf-8") as source:
        mentions = list(islice(_mentions(source, config.ingest.window()), count))
    return [StoredMention(1, number, mention) for number, mention in enumerate(mentions, 1)]


async def _publish(settings: ClusterSettings, items: list[StoredMention]) -> None:
    client, js = await connect(settings)
    await ensure_streams(js, settings)
    futures = [
        await js.publish_async(settings.stored_subject(n % settings.partitions), encode_stored(item))
        for n, item in enumerate(items)
    ]
    await asyncio.gather(*futures)
    await client.close()


async def _consumer(settings: ClusterSettings) -> tuple[int, int, int]:
    """(pending, ack pending, waiting pulls) of the analysis consumer; waiting -1 before it exists."""
    client, js = await connect(settings)
    try:
        info = await js.consumer_info(settings.stored_stream, ANALYSIS_CONSUMER)
        return int(info.num_pending or 0), int(info.num_ack_pending or 0), int(info.num_waiting or 0)
    except Exception:
        return 0, 0, -1
    finally:
        await client.close()


@dataclass
class AnalysisRun:
    rate: float  # mentions/s, from the end of publishing until every one is acked
    worker_cores: float  # CPU seconds of all analysis workers per wall second
    nats_cores: float  # the same for the NATS server (0 where it is not a local process)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _nats_pid() -> int | None:
    found = subprocess.run(["pgrep", "-x", "nats-server"], capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def analysis_rate(workers: int, items: list[StoredMention], log_dir: Path) -> AnalysisRun:
    """``workers`` analysis processes (deep tier, as the product runs), start-up and publishing
    excluded: timed from the moment every message is on the stream until every one is acked, with
    the CPU the workers and the NATS server used meanwhile (on two cores, a ratio under 2 is either
    the workers waiting or the cores running out: the CPU figures say which)."""
    cluster = Cluster("unused", DEMO_WORKSPACE, log_dir, analysis_fast=False)
    settings = ClusterSettings(nats_url=NATS_URL, prefix=cluster.prefix, partitions=cluster.partitions)
    cluster.start("analyze", workers)
    try:
        asyncio.run(_publish(settings, []))  # the streams, so that the workers can bind
        while asyncio.run(_consumer(settings))[2] < workers:  # every worker is waiting for work
            time.sleep(0.2)
        asyncio.run(_publish(settings, items))
        pids = [process.pid for process in cluster.processes["analyze"]]
        nats = _nats_pid()
        before = [_cpu_seconds(pid) for pid in pids], _cpu_seconds(nats) if nats else 0.0
        started = time.perf_counter()
        pending, unacked, _ = asyncio.run(_consumer(settings))
        left = pending + unacked
        while pending or unacked:
            time.sleep(0.05)
            pending, unacked, _ = asyncio.run(_consumer(settings))
        wall = time.perf_counter() - started
        worker_cpu = sum(_cpu_seconds(pid) for pid in pids) - sum(before[0])
        nats_cpu = (_cpu_seconds(nats) - before[1]) if nats else 0.0
        return AnalysisRun(left / wall, worker_cpu / wall, nats_cpu / wall)
    finally:
        cluster.stop()
        drop_streams(cluster.prefix)


def detection_rate(repeats: int) -> tuple[float, float]:
    """(detection stage alone, fast-tier analysis) mentions/s in this process, on the whole demo."""
    config = load_config(DEMO_WORKSPACE)
    mentions = [item.mention for item in demo_mentions(None)]
    judge = TextAnalyzer.load(deep=False)
    analysis, detection = [], []
    for _ in range(repeats):
        pipeline = Pipeline.for_config(judge, config)
        started = time.perf_counter()
        enriched = pipeline.analyzer.enrich(mentions)
        analysis.append(len(mentions) / (time.perf_counter() - started))
        started = time.perf_counter()
        pipeline.act_on(enriched)
        detection.append(len(mentions) / (time.perf_counter() - started))
    return statistics.median(detection), statistics.median(analysis)


def end_to_end(rate: float, seconds: float, log_dir: Path) -> dict[str, float]:
    """The whole cluster (listen, 2 analyze, 2 detect, respond) under ``rate`` mentions/s offered."""
    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    store = Store.open(url)
    workspace = workspace_file(log_dir / "workspace.toml", "json://127.0.0.1:9/")
    stream = slice_stream(log_dir / "stream.jsonl", None)
    config = load_config(workspace)
    with store.session() as session:
        workspace_id = apply_config(session, config).id
    ingestor = MentionIngestor(store, workspace_id, window=config.ingest.window(), batch_size=100)
    records = list(read_records(stream))
    cluster = Cluster(url, workspace, log_dir)
    for role, count in (("listen", 1), ("analyze", 2), ("detect", 2), ("respond", 1)):
        cluster.start(role, count)
    time.sleep(8)  # start-up (model loading) is not what this measures
    backlog: list[int] = []
    offered = 0
    try:
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds and offered < len(records):
            due = min(int(elapsed * rate), len(records))
            if due > offered:
                ingestor.ingest(records[offered:due], origin="bench")
                offered = due
            backlog.append(offered - _count(store, Enrichment))
            time.sleep(0.25)
        while _count(store, Enrichment) < offered and time.perf_counter() - started < seconds * 4:
            time.sleep(0.25)
        total = time.perf_counter() - started
        with store.session() as session:
            delays = [
                (analysed - ingested).total_seconds()
                for analysed, ingested in session.execute(
                    select(Enrichment.analyzed_at, Mention.ingested_at).join(
                        Mention, Mention.id == Enrichment.mention_id
                    )
                )
            ]
    finally:
        cluster.stop()
        drop_streams(cluster.prefix)
        store.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    delays.sort()
    return {
        "offered_per_s": offered / seconds,
        "detected_per_s": len(delays) / total,
        "delay_median_s": statistics.median(delays),
        "delay_p90_s": delays[int(len(delays) * 0.9)],
        "backlog_max": max(backlog),
        "backlog_median": statistics.median(backlog),
    }


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=300.0, help="End-to-end offered mentions/s.")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}  cores: {os.cpu_count()}", file=sys.stderr)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder)
        items = demo_mentions(args.mentions)
        pairs = []
        for _ in range(args.repeats):
            one = analysis_rate(1, items, logs)
            two = analysis_rate(2, items, logs)
            pairs.append((one, two))
            print(
                f"analysis: 1 worker {one.rate:,.0f}/s (workers {one.worker_cores:.2f} cores, NATS "
                f"{one.nats_cores:.2f}), 2 workers {two.rate:,.0f}/s (workers {two.worker_cores:.2f} cores, "
                f"NATS {two.nats_cores:.2f}): {two.rate / one.rate:.2f}×",
                file=sys.stderr,
            )
        results["analysis_1_worker_per_s"] = statistics.median(one.rate for one, _ in pairs)
        results["analysis_2_workers_per_s"] = statistics.median(two.rate for _, two in pairs)
        results["analysis_2_over_1"] = statistics.median(two.rate / one.rate for one, two in pairs)
        for label, index in (("1_worker", 0), ("2_workers", 1)):
            runs = [pair[index] for pair in pairs]
            results[f"analysis_{label}_worker_cores"] = statistics.median(run.worker_cores for run in runs)
            results[f"analysis_{label}_nats_cores"] = statistics.median(run.nats_cores for run in runs)
            # Mentions per CPU-second of the workers: flat from 1 to 2 workers means the work scales
            # with the cores it is given.
            results[f"analysis_{label}_per_worker_cpu_s"] = statistics.median(
                run.rate / run.worker_cores for run in runs if run.worker_cores
            )
        detection, fast = detection_rate(args.repeats)
        results["detection_stage_per_s"] = detection
        results["fast_analysis_per_s_same_process"] = fast
        results["detection_over_fast_analysis"] = detection / fast
        results["end_to_end"] = end_to_end(args.rate, args.seconds, logs)
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
