"""Request size limits of the push routes: a request is refused with 413 before it is read whole.

The count of records is checked in the route (``MAX_PUSH_RECORDS``); the body's bytes here, as the
body streams in, so that a huge or endless request never sits in memory."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_PUSH_RECORDS = 1000
MAX_PUSH_BYTES = 4 * 1024 * 1024
LIMITED_PATHS = ("/api/mentions",)


def too_many_records(count: int) -> str:
    return f"{count} records in one request; send at most {MAX_PUSH_RECORDS} per request"


def too_many_bytes() -> str:
    return f"request body over {MAX_PUSH_BYTES:,} bytes; split it into smaller requests"


class PushSizeLimit:
    """ASGI middleware: POSTs to the push routes may carry at most ``max_bytes`` of body."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_PUSH_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in LIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send)
            return
        seen = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request" and not exceeded:
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Stop reading: the app sees the body end here, and its answer is replaced below.
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def answered(message: Message) -> None:
            if not exceeded:
                await send(message)
            elif message["type"] == "http.response.start":
                await _refuse(send)

        await self.app(scope, counted, answered)


async def _refuse(send: Send) -> None:
    body = json.dumps({"detail": too_many_bytes()}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
