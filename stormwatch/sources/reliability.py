"""Errors a source can meet, and how long to wait after each: a small backoff policy.

Hand-written rather than a retry library because the waiting is done by the runner between
polls (and between stream reconnects), where the source's checkpoint is saved, not around one
call: a 429 in the middle of a walk through pages resumes from the last stored page.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

# A network that asks for more than this is treated as down for the day; we check again then.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


class SourceError(Exception):
    """A fetch failed; the runner records it, waits and tries again."""


class RateLimited(SourceError):
    """The network asked us to slow down (HTTP 429, a quota); ``retry_after`` is its wish, if it said one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StreamDropped(SourceError):
    """A live stream ended or broke; the source reconnects from its checkpoint."""


class MissingCredential(SourceError):
    """A token the source needs is neither in the environment nor in the secrets file."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, honouring the network's own ``Retry-After`` when given."""

    initial: float = 2.0
    maximum: float = 900.0
    factor: float = 2.0
    jitter: float = 0.1

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            # The network knows its window; waiting less only earns another 429.
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER_SECONDS)
        base = min(self.maximum, self.initial * self.factor ** max(failures - 1, 0))
        return base * (1 + random.uniform(-self.jitter, self.jitter))


def retry_after_seconds(headers: httpx.Headers | dict[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or X's ``x-rate-limit-reset`` (epoch)."""
    now = time.time() if now is None else now
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - now)
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - now)
    return None


def check_response(response: httpx.Response, network: str) -> None:
    """Raise the right :class:`SourceError` for a failed HTTP answer; return for a 2xx/304."""
    if response.status_code < 400:
        return
    if response.status_code == 429:
        raise RateLimited(
            f"{network}: rate limited (HTTP 429) on {response.request.url.path}",
            retry_after_seconds(response.headers),
        )
    detail = _error_detail(response)
    raise SourceError(f"{network}: HTTP {response.status_code} on {response.request.url.path}: {detail}")


def _error_detail(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200]
    return str(body)[:300]


def utc_from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
