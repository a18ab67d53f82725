"""``stormwatch worker listen|analyze|detect|respond``: one role of the scale-out mode per process."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from stormwatch.cluster.config import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_NATS_URL,
    DEFAULT_PARTITIONS,
    DEFAULT_PREFIX,
    ClusterSettings,
)

worker_app = typer.Typer(
    help="Run one role of the scale-out mode (NATS JetStream + PostgreSQL); see docs/deployment.md.",
    no_args_is_help=True,
)

Database = Annotated[
    str | None, typer.Option("--database", help="Database URL (default: STORMWATCH_DATABASE_URL).")
]
Nats = Annotated[str, typer.Option("--nats", envvar="STORMWATCH_NATS_URL", help="NATS server URL.")]
Prefix = Annotated[
    str,
    typer.Option("--prefix", envvar="STORMWATCH_CLUSTER_PREFIX", help="Streams' and subjects' prefix."),
]
Partitions = Annotated[
    int,
    typer.Option(
        "--partitions",
        envvar="STORMWATCH_PARTITIONS",
        min=1,
        help="Detection partitions (brands are hashed onto them); the same on every worker.",
    ),
]
LeaseSeconds = Annotated[
    float, typer.Option("--lease-seconds", min=1.0, help="How long a dead worker's leases live.")
]
MetricsPort = Annotated[
    int | None, typer.Option("--metrics-port", help="Serve Prometheus /metrics on this port.")
]


def _settings(nats: str, prefix: str, partitions: int, lease_seconds: float) -> ClusterSettings:
    return ClusterSettings(nats_url=nats, prefix=prefix, partitions=partitions, lease_seconds=lease_seconds)


def _start(role: str, metrics_port: int | None) -> None:
    from stormwatch.cluster import metrics

    # force: the top-level callback has configured WARNING already; a worker's log is its record
    # of leases taken, partitions resumed and crises changed.
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {role} %(levelname)s %(name)s: %(message)s", force=True
    )
    metrics.serve(metrics_port)


@worker_app.command()
def listen(
    config: Annotated[Path, typer.Option("--config", help="Workspace TOML with the brands.")],
    database: Database = None,
    nats: Nats = DEFAULT_NATS_URL,
    prefix: Prefix = DEFAULT_PREFIX,
    partitions: Partitions = DEFAULT_PARTITIONS,
    lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
    metrics_port: MetricsPort = None,
) -> None:
    """Publish stored mentions (listeners', imports', POST /api/mentions') to the stored stream."""
    from stormwatch.cluster.workers import Worker, run_listen
    from stormwatch.store.db import Store
    from stormwatch.workspace.config import ConfigError, load_config
    from stormwatch.workspace.service import apply_config

    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    _start("listen", metrics_port)
    store = Store.open(database)
    with store.session() as session:
        apply_config(session, workspace)

    async def main() -> None:
        worker = Worker(_settings(nats, prefix, partitions, lease_seconds), "listen")
        worker.install_signals()
        await run_listen(worker, store)

    asyncio.run(main())


@worker_app.command()
def analyze(
    nats: Nats = DEFAULT_NATS_URL,
    prefix: Prefix = DEFAULT_PREFIX,
    partitions: Partitions = DEFAULT_PARTITIONS,
    fast: Annotated[
        bool, typer.Option("--fast", help="Only the fast analysis tier (as `stormwatch detect --fast`).")
    ] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Mentions judged per batch.")] = 256,
    metrics_port: MetricsPort = None,
) -> None:
    """Judge stored mentions (language, sentiment, cause); stateless: start more to go faster."""
    from stormwatch.analysis.text_analyzer import TextAnalyzer
    from stormwatch.cluster.workers import Worker, run_analyze

    _start("analyze", metrics_port)
    judge = TextAnalyzer.load(deep=not fast)

    async def main() -> None:
        worker = Worker(_settings(nats, prefix, partitions, DEFAULT_LEASE_SECONDS), "analyze")
        worker.install_signals()
        await run_analyze(worker, judge, batch)

    asyncio.run(main())


@worker_app.command()
def detect(
    database: Database = None,
    nats: Nats = DEFAULT_NATS_URL,
    prefix: Prefix = DEFAULT_PREFIX,
    partitions: Partitions = DEFAULT_PARTITIONS,
    lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
    snapshot_seconds: Annotated[
        float, typer.Option("--snapshot-seconds", min=0.0, help="Seconds between detector snapshots.")
    ] = 30.0,
    metrics_port: MetricsPort = None,
) -> None:
    """Own detection partitions (leases), open and escalate crises, queue their alerts."""
    from stormwatch.cluster.workers import Worker, run_detect
    from stormwatch.store.db import Store

    _start("detect", metrics_port)
    store = Store.open(database)

    async def main() -> None:
        worker = Worker(_settings(nats, prefix, partitions, lease_seconds), "detect")
        worker.install_signals()
        await run_detect(worker, store, snapshot_seconds)

    asyncio.run(main())


@worker_app.command()
def respond(
    database: Database = None,
    nats: Nats = DEFAULT_NATS_URL,
    prefix: Prefix = DEFAULT_PREFIX,
    lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
    playbooks: Annotated[Path | None, typer.Option("--playbooks", help="The workspace's playbooks.")] = None,
    metrics_port: MetricsPort = None,
) -> None:
    """Send alerts and run the response clock, as the one leader among the respond workers."""
    from stormwatch.cluster.workers import Worker, run_respond
    from stormwatch.store.db import Store

    _start("respond", metrics_port)
    store = Store.open(database)

    async def main() -> None:
        worker = Worker(_settings(nats, prefix, DEFAULT_PARTITIONS, lease_seconds), "respond")
        worker.install_signals()
        await run_respond(worker, store, str(playbooks) if playbooks else None)

    asyncio.run(main())
