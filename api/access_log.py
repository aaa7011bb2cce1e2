"""The access log: method, path, status and time; never the query string, headers or body.

Query strings and bodies may carry personal data (an Open311 POST may put `phone` in the
query), so uvicorn's own access log, which prints the query, is switched off (`wangge serve`).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("wangge.access")


class AccessLog:
    """Log one line per HTTP request at INFO: `GET /maps/coverage 200 12.3ms`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status,
                     (time.perf_counter() - started) * 1000)
