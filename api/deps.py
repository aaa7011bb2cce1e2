"""Request dependencies as Annotated aliases: the connection pool, the settings, the caller's role.

They are `async def` because they never block: FastAPI runs a plain `def` dependency in its
thread pool, one thread hop per dependency per request (three before POST /incidents even
reached its route; bench/README.md, "Intake over HTTP").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from psycopg_pool import ConnectionPool

from api.settings import ApiSettings


async def get_pool(request: Request) -> ConnectionPool:
    """The app's connection pool.

    Routes take a connection with `with pool.connection() as conn:` inside their own body,
    so taking and returning it happen in the route's worker thread. A dependency yielding a
    connection would take it in one thread hop and return it in another: under a backlog
    every worker thread then waits for a connection that only a waiting hop can give back.
    """
    return request.app.state.pool


async def get_settings(request: Request) -> ApiSettings:
    """The API settings the app was created with."""
    return request.app.state.api_settings


Pool = Annotated[ConnectionPool, Depends(get_pool)]
Settings = Annotated[ApiSettings, Depends(get_settings)]


async def is_dispatcher(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> bool:
    """True when the request carries a dispatcher's API key."""
    return request.app.state.api_settings.is_dispatcher(x_api_key)


async def require_dispatcher(dispatcher: Annotated[bool, Depends(is_dispatcher)]) -> None:
    """Refuse the request (401) unless it carries a dispatcher's API key."""
    if not dispatcher:
        raise HTTPException(status_code=401, detail="需要调度员的 API 密钥（请求头 X-API-Key）")


Dispatcher = Annotated[bool, Depends(is_dispatcher)]
DispatcherOnly = Depends(require_dispatcher)
