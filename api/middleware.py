"""ASGI middleware: a body-size limit and one structured access-log line per request."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("api.access")


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, by Content-Length or while streaming (a chunked body)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None):
        self.app, self.max_bytes, self.larger = app, max_bytes, larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"].rstrip("/"), self.max_bytes)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(send, limit)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit)
            return msg

        try:
            await self.app(scope, counting, send)
        except TooLarge:
            await self._too_large(send, limit)

    async def _too_large(self, send: Send, limit: int) -> None:
        payload = json.dumps({"code": "payload_too_large", "message": too_large(limit), "errors": []}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def too_large(limit: int) -> str:
    return f"the request body is too large: over {limit:,} bytes"


class TooLarge(HTTPException):
    """Raised while the app reads the body; an HTTPException, so the body parser passes it on as a 413 rather than
    reporting "an error parsing the body"."""

    def __init__(self, limit: int):
        super().__init__(413, too_large(limit))


class AccessLog:
    """`{"method", "path", "status", "ms"}` per request: the path only, never the query or body."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                status["code"] = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, capture)
        finally:
            access.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status["code"],
                        "ms": round((time.perf_counter() - t0) * 1000, 1),
                    }
                )
            )
