"""A generic webhook receiver: any tool that can POST JSON (Zapier, Make, a CRM, Meta webhooks…)
becomes a source, with the body's fields mapped to mention fields in the workspace file.

Requests are authenticated by an HMAC-SHA256 of the raw body in ``X-Hub-Signature-256``
(``sha256=<hex>``, the convention of GitHub and Meta), keyed by the webhook's secret. Meta's
subscription check (``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``) is answered
when the verify token equals the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from stormwatch.ingest.jsontext import JsonInputError, loads
from stormwatch.ingest.readers import RawRecord
from stormwatch.sources.settings import WebhookSettings

SIGNATURE_HEADER = "X-Hub-Signature-256"


class WebhookRejected(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Webhook:
    brand: str
    settings: WebhookSettings
    secret: str | None

    @property
    def key(self) -> str:
        return f"webhook/{self.brand}/{self.settings.name}"

    def verify(self, body: bytes, signature: str | None) -> None:
        if self.secret is None:
            if self.settings.allow_unsigned:
                return
            raise WebhookRejected(
                503,
                f"webhook {self.settings.name}: no secret configured ({self.settings.secret_env} is unset)",
            )
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(expected, signature.strip()):
            raise WebhookRejected(401, f"webhook {self.settings.name}: bad or missing {SIGNATURE_HEADER}")

    def records(self, body: bytes) -> list[RawRecord]:
        try:
            payload = loads(body)  # depth-limited: a 200,000-deep body is a 422, not a crash
        except JsonInputError as error:
            raise WebhookRejected(422, f"webhook {self.settings.name}: body is not JSON: {error}") from error
        items = dig(payload, self.settings.items) if self.settings.items else payload
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise WebhookRejected(
                422, f"webhook {self.settings.name}: no list of items at {self.settings.items!r}"
            )
        return [self._record(index, item) for index, item in enumerate(items)]

    def _record(self, index: int, item: Any) -> RawRecord:
        raw_text = json.dumps(item, ensure_ascii=False, default=str)
        if not isinstance(item, dict):
            return RawRecord(index, raw_text, None, f"item {index} is not an object")
        fields = dict(item) if not self.settings.fields else {}
        for field, path in self.settings.fields.items():
            value = dig(item, path)
            if value is not None:
                fields[field] = value
        fields.setdefault("source", self.settings.name)
        return RawRecord(index, raw_text, fields)


def dig(value: Any, path: str | None) -> Any:
    """The value at a dotted path (``entry.0.changes``); None where the path leads nowhere."""
    for part in (path or "").split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
