"""Local servers that speak a network's protocol, for the connectors' offline tests.

Each fake network is a small ASGI app (FastAPI) built from hand-written payloads that follow the
network's API documentation, served by uvicorn on a free port of 127.0.0.1 in a thread: the
connector's real client library talks to it over a socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import func, select

from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Store


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free local port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "test server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def stored_ids(store: Store, source: str | None = None) -> list[str]:
    """External ids of stored mentions (sorted, duplicates kept so a test would see them)."""
    with store.session() as session:
        query = select(Mention.external_id)
        if source is not None:
            query = query.where(Mention.source == source)
        return sorted(session.scalars(query))


def stored_authors(store: Store, source: str) -> set[str | None]:
    with store.session() as session:
        return set(session.scalars(select(Mention.author).where(Mention.source == source)))


def quarantined(store: Store) -> list[QuarantinedRecord]:
    with store.session() as session:
        return list(session.scalars(select(QuarantinedRecord)))


def mention_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count(Mention.id))) or 0
