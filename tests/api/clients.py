"""The real app as a TestClient, for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from geo.settings import DatabaseSettings


@contextmanager
def app_client(url: str, dispatcher_keys: str = "") -> Iterator[TestClient]:
    """The app on database `url` with its lifespan (the connection pool) running."""
    app = create_app(DatabaseSettings(url=url), ApiSettings(dispatcher_keys=dispatcher_keys))
    with TestClient(app) as client:
        yield client
