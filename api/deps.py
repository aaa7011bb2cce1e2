"""Request dependencies as Annotated aliases: a pooled connection, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Header, HTTPException, Request

from api.settings import ApiSettings


def get_conn(request: Request) -> Iterator[psycopg.Connection]:
    """A connection from the app's pool for the duration of one request."""
    with request.app.state.pool.connection() as conn:
        yield conn


def get_settings(request: Request) -> ApiSettings:
    """The API settings the app was created with."""
    return request.app.state.api_settings


Conn = Annotated[psycopg.Connection, Depends(get_conn)]
Settings = Annotated[ApiSettings, Depends(get_settings)]


def is_dispatcher(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> bool:
    """True when the request carries a dispatcher's API key."""
    return get_settings(request).is_dispatcher(x_api_key)


def require_dispatcher(dispatcher: Annotated[bool, Depends(is_dispatcher)]) -> None:
    """Refuse the request (401) unless it carries a dispatcher's API key."""
    if not dispatcher:
        raise HTTPException(status_code=401, detail="需要调度员的 API 密钥（请求头 X-API-Key）")


Dispatcher = Annotated[bool, Depends(is_dispatcher)]
DispatcherOnly = Depends(require_dispatcher)
