"""The pure parts: backoff, Retry-After parsing, secrets, the walk, and the sources' TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormwatch.sources.base import RecordBuilder, keyword_match, walk_newest_first
from stormwatch.sources.reliability import (
    MAX_RETRY_AFTER_SECONDS,
    Backoff,
    MissingCredential,
    retry_after_seconds,
)
from stormwatch.sources.secrets import Secrets
from stormwatch.workspace.config import ConfigError, load_config


def test_backoff_grows_caps_and_defers_to_the_network() -> None:
    backoff = Backoff(initial=1, maximum=10, factor=2, jitter=0)
    assert [backoff.delay(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]
    assert backoff.delay(1, retry_after=30) == 30  # longer than our cap: the network knows best
    assert backoff.delay(1, retry_after=10**9) == MAX_RETRY_AFTER_SECONDS
    jittery = Backoff(initial=100, jitter=0.1)
    assert all(90 <= jittery.delay(1) <= 110 for _ in range(50))


def test_retry_after_in_seconds_http_date_or_x_reset() -> None:
    now = 1_764_583_200.0  # Mon, 01 Dec 2025 10:00:00 GMT
    assert retry_after_seconds({"retry-after": "120"}, now) == 120
    assert retry_after_seconds({"Retry-After": "Mon, 01 Dec 2025 10:01:30 GMT"}, now) == 90
    assert retry_after_seconds({"x-rate-limit-reset": str(int(now) + 15)}, now) == 15
    assert retry_after_seconds({"retry-after": "soon"}, now) is None
    assert retry_after_seconds({}, now) is None


def test_secrets_come_from_the_environment_before_the_file(tmp_path: Path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('X_BEARER_TOKEN = "from-file"\nREDDIT_CLIENT_ID = "cid"\n', encoding="utf-8")
    secrets = Secrets.load(file)
    secrets._env = {"X_BEARER_TOKEN": "from-env"}
    assert secrets.get("X_BEARER_TOKEN") == "from-env" and secrets.get("REDDIT_CLIENT_ID") == "cid"
    with pytest.raises(MissingCredential, match=f"set YOUTUBE_API_KEY in the environment or {file}"):
        secrets.require("YOUTUBE_API_KEY", "youtube")
    with pytest.raises(MissingCredential, match="not valid TOML"):
        (tmp_path / "bad.toml").write_text("X =", encoding="utf-8")
        Secrets.load(tmp_path / "bad.toml")


def test_a_walk_stops_at_the_high_water_mark_and_keeps_its_place() -> None:
    pages = {
        None: ([{"t": "2025-12-01T10:05:00Z"}, {"t": "2025-12-01T10:04:00Z"}], "p2"),
        "p2": ([{"t": "2025-12-01T10:03:00Z"}, {"t": "2025-12-01T10:01:00Z"}], "p3"),
    }
    builder = RecordBuilder("test", lambda item: {"id": item["t"], "text": "x", "created_at": item["t"]})
    walked = list(
        walk_newest_first(
            lambda token: pages[token],
            builder,
            {"high_water": "2025-12-01T10:02:00+00:00"},
            lambda item: item["t"].replace("Z", "+00:00"),
        )
    )
    assert [page.cursor for page in walked] == [
        {
            "high_water": "2025-12-01T10:02:00+00:00",
            "walk": {"page": "p2", "top": "2025-12-01T10:05:00+00:00"},
        },
        {"high_water": "2025-12-01T10:05:00+00:00"},
    ]  # p3 is never fetched: page p2 reached what the last walk had seen


def test_keywords_match_without_case_at_or_hash() -> None:
    assert keyword_match("Flying #Northwind today", ["@northwind"])
    assert not keyword_match("nothing here", ["northwind", "@"])


def test_sources_are_configured_in_the_workspace_toml(tmp_path: Path) -> None:
    path = tmp_path / "workspace.toml"
    path.write_text(
        '[sources]\npoll_seconds = 60\n\n[[brands]]\nname = "Polana"\n\n[brands.sources.rss]\nfeeds = ["https://news.google.com/rss/search?q=polana"]\n\n'
        '[brands.sources.reddit]\nsubreddits = ["r/poland"]\n\n[[brands.sources.webhooks]]\nname = "zapier"\nsecret_env = "ZAPIER_SECRET"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.sources.poll_seconds == 60
    sources = config.brands[0].sources
    assert sources.rss is not None and sources.reddit is not None and sources.webhooks[0].name == "zapier"
    path.write_text('[[brands]]\nname = "Polana"\n\n[brands.sources.myspace]\nurl = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"brands\.0\.sources\.myspace"):
        load_config(path)
