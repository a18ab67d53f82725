"""Trustpilot service reviews over its public Business Units API (httpx, an API key).

https://developers.trustpilot.com/business-units-api-(public)#get-a-business-unit's-reviews:
pages are numbered (``page``, ``perPage`` up to 100), newest first with ``orderBy=createdat.desc``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stormwatch.sources.base import Cursor, Page, RecordBuilder, Source, time_position, walk_newest_first
from stormwatch.sources.http import get_json, make_client
from stormwatch.sources.secrets import Secrets
from stormwatch.sources.settings import TrustpilotSettings

PER_PAGE = 100


def trustpilot_record(review: dict[str, Any]) -> dict[str, Any]:
    title = review.get("title") or ""
    text = review.get("text") or ""
    return {
        "id": review["id"],
        "text": f"Rated {int(review['stars'])}/5. {title}\n\n{text}".strip(),
        "created_at": review["createdAt"],
        "author": (review.get("consumer") or {}).get("displayName"),
        "url": f"https://www.trustpilot.com/reviews/{review['id']}",
        "lang": review.get("language"),
        "source": "trustpilot",
    }


class TrustpilotSource(Source):
    network = "trustpilot"

    def __init__(self, brand: str, business_unit: str, settings: TrustpilotSettings, api_key: str) -> None:
        super().__init__(brand, business_unit)
        self.business_unit = business_unit
        self.client = make_client(settings.base_url, {"apikey": api_key})

    def poll(self, cursor: Cursor) -> Iterator[Page]:
        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            page = int(token or 1)
            body = get_json(
                self.client,
                "trustpilot",
                f"/business-units/{self.business_unit}/reviews",
                page=page,
                perPage=PER_PAGE,
                orderBy="createdat.desc",
            )
            more = any(link.get("rel") == "next-page" for link in body.get("links") or [])
            return body.get("reviews") or [], str(page + 1) if more else None

        yield from walk_newest_first(
            fetch,
            RecordBuilder("trustpilot", trustpilot_record),
            cursor,
            lambda review: time_position(review["createdAt"]),
        )

    def close(self) -> None:
        self.client.close()


def trustpilot_sources(brand: str, settings: TrustpilotSettings, secrets: Secrets) -> list[Source]:
    api_key = secrets.require(settings.api_key_env, "trustpilot")
    return [TrustpilotSource(brand, unit, settings, api_key) for unit in settings.business_units]
