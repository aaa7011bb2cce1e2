"""Request dependencies as Annotated aliases: a pooled connection, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request

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
