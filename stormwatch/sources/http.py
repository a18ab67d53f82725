"""The HTTP client every httpx-based connector shares: timeouts, a user agent, JSON with errors mapped."""

from __future__ import annotations

from typing import Any

import httpx

from stormwatch.sources.reliability import SourceError, check_response

USER_AGENT = "stormwatch/0.1 (+https://github.com/stormwatch/stormwatch)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def make_client(base_url: str = "", headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=TIMEOUT,
        follow_redirects=True,
    )


def get_json(client: httpx.Client, network: str, url: str, **params: Any) -> Any:
    """GET ``url`` and return its JSON body, raising :class:`SourceError` (or RateLimited) on failure."""
    try:
        response = client.get(url, params={k: v for k, v in params.items() if v is not None})
    except httpx.HTTPError as error:
        raise SourceError(f"{network}: {type(error).__name__}: {error}") from error
    check_response(response, network)
    try:
        return response.json()
    except ValueError as error:
        raise SourceError(f"{network}: answer to {url} is not JSON") from error


def post_json(
    client: httpx.Client, network: str, url: str, *, json: Any = None, data: Any = None, params: Any = None
) -> Any:
    try:
        response = client.post(url, json=json, data=data, params=params)
    except httpx.HTTPError as error:
        raise SourceError(f"{network}: {type(error).__name__}: {error}") from error
    check_response(response, network)
    return response.json() if response.content else {}
