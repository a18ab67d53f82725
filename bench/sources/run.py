"""Connector throughput: real tweets served by a local X API v2 server, walked by the X connector
into SQLite, against the baseline of handing the same records straight to the core's ingestion.

    uv run python -m bench.sources.run [--tweets 5000] [--repeat 5]

Both are measured in the same run, each repetition on a fresh database; medians are reported.
The ratio is the price of the connector path (HTTP paging, JSON, conversion, checkpoint per page)
over bare ingestion.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from stormwatch.ingest.readers import RawRecord
from stormwatch.ingest.service import MentionIngestor
from stormwatch.sources.runner import SourceRunner
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import XSettings
from stormwatch.sources.x import tweet_record, x_sources
from stormwatch.store.db import Store
from stormwatch.workspace.config import WorkspaceConfig
from stormwatch.workspace.service import apply_config

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "airline_tweets.jsonl"
BRAND = "Bench Air"
USERS = [{"id": "1", "username": "traveller", "public_metrics": {"followers_count": 10}}]


def load_tweets(count: int) -> list[dict[str, Any]]:
    tweets = []
    with DATA.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= count:
                break
            row = json.loads(line)
            tweets.append(
                {
                    "id": str(1860000000000000000 + number),
                    "text": row["text"],
                    "created_at": row["created_at"],
                    "author_id": "1",
                    "public_metrics": {
                        "retweet_count": row.get("retweets", 0),
                        "reply_count": 0,
                        "like_count": 0,
                        "quote_count": 0,
                    },
                }
            )
    return list(reversed(tweets))  # newest (highest id) first, as the API answers


def x_app(tweets: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.get("/2/tweets/search/recent")
    def search(request: Request, next_token: str | None = None, max_results: int = 100) -> dict[str, Any]:
        offset = int(next_token or 0)
        chunk = tweets[offset : offset + max_results]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if offset + max_results < len(tweets):
            meta["next_token"] = str(offset + max_results)
        return {"data": chunk, "includes": {"users": USERS}, "meta": meta}

    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()


def fresh_store(folder: Path, name: str) -> tuple[Store, int]:
    store = Store.open(f"sqlite:///{folder / name}")
    with store.session() as session:
        workspace_id = apply_config(session, WorkspaceConfig.model_validate({"brands": [{"name": BRAND}]})).id
    return store, workspace_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tweets = load_tweets(args.tweets)
    users = {user["id"]: user for user in USERS}
    records = [RawRecord(n, "", tweet_record(tweet, users)) for n, tweet in enumerate(tweets)]
    connector_times, baseline_times = [], []
    with tempfile.TemporaryDirectory() as scratch, serving(x_app(tweets)) as url:
        folder = Path(scratch)
        for round_ in range(args.repeat):
            store, workspace_id = fresh_store(folder, f"baseline{round_}.db")
            start = time.perf_counter()
            stored = MentionIngestor(store, workspace_id).ingest(records, origin="bench", brand=BRAND).stored
            baseline_times.append(time.perf_counter() - start)
            assert stored == len(tweets)
            store.engine.dispose()

            store, workspace_id = fresh_store(folder, f"connector{round_}.db")
            sources = x_sources(
                BRAND, XSettings(base_url=url, query="bench"), Secrets({"X_BEARER_TOKEN": "t"}, env={})
            )
            runner = SourceRunner(store, workspace_id, sources)
            start = time.perf_counter()
            report = runner.poll_once(sources[0])
            connector_times.append(time.perf_counter() - start)
            assert report.stored == len(tweets) and report.error is None, report.summary()
            sources[0].close()
            store.engine.dispose()
    connector, baseline = statistics.median(connector_times), statistics.median(baseline_times)
    print(f"{len(tweets)} real tweets (airline_tweets.jsonl), pages of 100, SQLite, median of {args.repeat}")
    print("| path | seconds | tweets/s |\n|---|---|---|")
    print(f"| bare ingestion (baseline) | {baseline:.3f} | {len(tweets) / baseline:,.0f} |")
    print(f"| X connector over HTTP | {connector:.3f} | {len(tweets) / connector:,.0f} |")
    print(f"connector / baseline time: {connector / baseline:.2f}×")


if __name__ == "__main__":
    main()
