"""Session fixtures: a throwaway PostGIS database per test session, rolled back per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.db import drop_database
from geo.db.migrate import migrate


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the tests with `make test`", returncode=2)
    return url


@pytest.fixture(scope="session")
def make_database() -> Iterator:
    """Factory creating migrated throwaway databases, all dropped at the end of the session."""
    admin_url = _admin_url()
    created: list[str] = []

    def create(label: str) -> str:
        name = f"wangge_test_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        url = make_conninfo(**{**conninfo_to_dict(admin_url), "dbname": name})
        with psycopg.connect(url) as conn:
            migrate(conn)
        return url

    yield create
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in created:
            drop_database(admin, name)


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    """An empty, migrated database for tests that roll back their changes."""
    return make_database("empty")


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with psycopg.connect(database_url) as connection:
        connection.execute("SELECT 1")  # opens the transaction the test runs in
        yield connection
        connection.rollback()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full demo district, as `make demo` generates it."""
    from data.generate import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out)
    return out


@pytest.fixture(scope="session")
def make_demo_database(make_database, demo_dir: Path):
    """Factory of throwaway databases holding the demo district, for tests that commit."""
    from geo.layers.loader import LoadOptions, load_directory

    def create(label: str) -> str:
        url = make_database(label)
        with psycopg.connect(url) as connection:
            load_directory(connection, demo_dir, LoadOptions())
        return url

    return create


@pytest.fixture(scope="session")
def demo_database_url(make_demo_database) -> str:
    """A database holding the demo district (changes are rolled back: see `demo`)."""
    return make_demo_database("demo")


@pytest.fixture
def demo(demo_database_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the demo database; every change is rolled back after the test."""
    with psycopg.connect(demo_database_url) as connection:
        connection.execute("SELECT 1")
        yield connection
        connection.rollback()
