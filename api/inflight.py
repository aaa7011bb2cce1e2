"""A bound on requests in progress: past it, 503 with Retry-After at once.

When the database is away every request waits up to the pool's timeout; without a bound the
requests arriving meanwhile pile up in threads and each waits its turn behind the others, so the
answer (503) comes later and later (2 s growing to 9 s at 200 requests/s in bench/faults.py).
With the bound, the excess is refused at once, honestly and with `Retry-After`, and nothing of
it was read or stored.
"""

from __future__ import annotations

import logging
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("wangge.api")
RETRY_AFTER_BUSY_S = 1
LOG_EVERY_S = 10.0  # one log line per this many seconds of refusals, with their count


class InFlightLimit:
    """Refuse HTTP requests beyond `limit` in progress with 503 and `Retry-After`."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self._refused = 0
        self._logged_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self._note_refusal()
            refusal = JSONResponse({"detail": "服务器繁忙，请稍后重试"}, status_code=503,
                                   headers={"Retry-After": str(RETRY_AFTER_BUSY_S)})
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def _note_refusal(self) -> None:
        """Count a refusal; log the count at most every LOG_EVERY_S (an overload must not flood the log)."""
        self._refused += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_S:
            log.warning("%d requests refused with 503: over %d in progress", self._refused, self.limit)
            self._refused, self._logged_at = 0, now
