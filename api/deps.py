"""Request dependencies as Annotated aliases: the connection pool, the settings, the signed-in user.

They are `async def` because they never block: FastAPI runs a plain `def` dependency in its
thread pool, one thread hop per dependency per request (three before POST /incidents even
reached its route; bench/README.md, "Intake over HTTP").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from psycopg_pool import ConnectionPool

from api.settings import ApiSettings
from geo.accounts.roles import User


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


async def optional_user(request: Request) -> User | None:
    """The signed-in user (api/auth.py identified them), or None for an anonymous caller."""
    return getattr(request.state, "user", None)


async def signed_in(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; 401 otherwise (api/auth.py refuses earlier on every non-public operation)."""
    if user is None:
        raise HTTPException(status_code=401, detail="请先登录")
    return user


Pool = Annotated[ConnectionPool, Depends(get_pool)]
Settings = Annotated[ApiSettings, Depends(get_settings)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(signed_in)]
