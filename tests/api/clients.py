"""The real app as a TestClient, for the API tests, signed in as a test account of any role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from geo.accounts import credentials, users
from geo.accounts.roles import ROLES
from geo.errors import Conflict
from geo.settings import DatabaseSettings

DEMO_DISTRICT = "140403"


def token(role: str) -> str:
    """The API token of the test account of `role` (its user name too)."""
    return f"test-{role}"


def bearer(role: str) -> dict[str, str]:
    """The Authorization header of the test account of `role`."""
    return {"Authorization": f"Bearer {token(role)}"}


def ensure_accounts(url: str, area: str | None = None) -> None:
    """One account per role in database `url`, answering for `area` (default: its first district)."""
    with psycopg.connect(url) as conn:
        if area is None:
            area = conn.execute("SELECT min(code) FROM districts").fetchone()[0] or DEMO_DISTRICT
        for role in ROLES:
            try:
                users.add(conn, token(role), role, area, actor="tests", password=f"{token(role)}-password")
            except Conflict:
                continue
            credentials.issue_token(conn, token(role), actor="tests", value=token(role))
        conn.commit()


@contextmanager
def app_client(url: str, role: str | None = "admin", settings: ApiSettings | None = None) -> Iterator[TestClient]:
    """The app on database `url` with its lifespan (the connection pool) running, signed in as `role` (None: anonymous)."""
    ensure_accounts(url)
    app = create_app(DatabaseSettings(url=url), settings or ApiSettings())
    with TestClient(app, headers=bearer(role) if role else {}) as client:
        yield client
