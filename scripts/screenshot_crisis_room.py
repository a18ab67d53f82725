"""Replay a recorded stream through the live service and photograph its busiest crisis room.

    uv run python scripts/screenshot_crisis_room.py STREAM.jsonl [--until 2017-04-17] [--out docs/real_crisis_room.png]

The stream goes, as fast as it can, through the same path as ``stormwatch serve`` (ingestion, the
live pipeline, the response clock) into a fresh SQLite file (``--db`` keeps it; an existing one is
photographed as is); then the browser of the browser test (Debian's Chromium driven by Playwright,
tests/web/test_browser.py) logs in and photographs the crisis with the most timeline events: the
top of its room (header, playbook, timeline) as OUT and its stories and waves as OUT_waves.png.
Used for docs/real_crisis_room*.png from ../shared/data/real/united_airlines_2017.jsonl.gz
(decompressed; the stream itself is for testing only and never enters the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from stormwatch.auth.service import add_user
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.demo.runner import replay_sample
from stormwatch.runtime import Runtime
from stormwatch.workspace.config import load_config

CHROMIUM = os.environ.get("STORMWATCH_CHROMIUM", "/usr/bin/chromium")
CLIP_HEIGHT = 2400
EMAIL, PASSWORD = "pr@example.org", "a long screenshot password"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stream", type=Path)
    ap.add_argument("--until", default=None, help="keep posts created before this ISO date")
    ap.add_argument("--out", type=Path, default=Path("docs/real_crisis_room.png"))
    ap.add_argument(
        "--db", type=Path, help="keep the replayed store here; an existing one is photographed as is"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = args.db or Path(folder) / "shot.db"
        replayed = database.exists()
        runtime = Runtime.open(f"sqlite:///{database}", load_config(None))
        try:
            if not replayed:
                stream = _slice(args.stream, args.until, Path(folder) / "stream.jsonl")
                stats = replay_sample(runtime.ingestor, runtime.live, speed=1e12, stream=stream)
                runtime.run_response_clock()
                print(f"replayed {stats.mentions} mentions, {stats.updates} crisis updates")
            with runtime.store.session() as session:
                if not replayed:
                    add_user(session, EMAIL, PASSWORD, workspace_id=runtime.workspace_id, role="manager")
                key = session.scalar(
                    select(Crisis.key)
                    .join(CrisisEvent, CrisisEvent.crisis_id == Crisis.id)
                    .group_by(Crisis.id)
                    .order_by(func.count(CrisisEvent.id).desc())
                )
            url = runtime.serve("127.0.0.1", 8765)
            _photograph(url, str(key), args.out)
            print(f"{args.out}: crisis {key}")
        finally:
            runtime.close()


def _slice(source: Path, until: str | None, target: Path) -> Path:
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            if until is None or json.loads(line)["created_at"] < until:
                out.write(line)
    return target


def _photograph(url: str, key: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(180_000)  # a long crisis room on a busy machine
        page.goto(f"{url}/login")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=who]")
        page.goto(f"{url}/crises/{key}")
        page.wait_for_selector("#stories-and-waves")
        # The top of the room (header, playbook, timeline) and, apart, its stories and waves: a long
        # crisis's lists of posts run on for metres below them.
        page.screenshot(
            path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": CLIP_HEIGHT}
        )
        page.locator("#stories-and-waves").screenshot(path=str(out.with_name(out.stem + "_waves.png")))
        browser.close()


if __name__ == "__main__":
    main()
