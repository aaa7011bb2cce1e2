"""A per-client sliding-window limit (in memory, per process) for public submissions and logins."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request


class SlidingWindow:
    """At most `limit` events per client in any `window_s` seconds."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int:
        """0 and count the event when `client` is within its limit; else seconds until it will be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events[client]
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window_s - now))
            events.append(now)
            if len(self._events) > 100_000:  # forget idle clients rather than grow without bound
                for key in [k for k, v in self._events.items() if not v]:
                    del self._events[key]
            return 0

    def check(self, request: Request, what: str) -> None:
        """Raise 429 with Retry-After when the request's client is over the limit."""
        client = request.client.host if request.client else "unknown"
        wait = self.retry_after(client)
        if wait:
            raise HTTPException(status_code=429, detail=f"{what}过于频繁，请{wait}秒后再试",
                                headers={"Retry-After": str(wait)})
