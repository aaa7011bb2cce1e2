"""The bound on requests in progress: the excess gets 503 with Retry-After at once."""

from __future__ import annotations

import anyio

from api.inflight import InFlightLimit


def _scope() -> dict:
    return {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}


def test_requests_beyond_the_bound_are_refused_at_once_and_the_rest_are_served() -> None:
    release = anyio.Event()
    entered = 0

    async def slow(scope: dict, receive: object, send: object) -> None:
        nonlocal entered
        entered += 1
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimit(slow, limit=3)
    answers: list[tuple[int, dict[bytes, bytes]]] = []

    async def call() -> None:
        started: dict = {}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(message)

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        await limited(_scope(), receive, send)
        answers.append((started["status"], dict(started["headers"])))

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(call)
            with anyio.fail_after(5):
                while len(answers) < 2:  # the two beyond the bound, answered while three wait
                    await anyio.sleep(0.01)
            assert entered == 3
            release.set()
        # Once they are done, the bound is free again.
        await call()

    anyio.run(main)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 200, 200, 200, 503, 503]
    assert all(headers[b"retry-after"] == b"1" for status, headers in answers if status == 503)
    assert limited.in_flight == 0
