"""Session fixtures: a throwaway PostGIS database per test session, rolled back per test."""

from __future__ import annotations

import os
import time
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
    """Factory creating migrated throwaway databases (or copies of `template`), all dropped at the end of the session."""
    admin_url = _admin_url()
    created: list[str] = []

    def create(label: str, *, template: str | None = None) -> str:
        name = f"wangge_test_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            if template is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                _copy_database(admin, conninfo_to_dict(template)["dbname"], name)
        created.append(name)
        url = make_conninfo(**{**conninfo_to_dict(admin_url), "dbname": name})
        if template is None:
            with psycopg.connect(url) as conn:
                migrate(conn)
        return url

    yield create
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in reversed(created):
            drop_database(admin, name)


COPY_ATTEMPTS = 40  # an autovacuum worker may still be in a template just loaded: wait for it
COPY_RETRY_S = 0.25


def _copy_database(admin: psycopg.Connection, template: str, name: str) -> None:
    """CREATE DATABASE `name` as a copy of `template`, retrying while another session is in the template."""
    for attempt in range(COPY_ATTEMPTS):
        try:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                          sql.Identifier(template)))
            return
        except psycopg.errors.ObjectInUse:
            if attempt == COPY_ATTEMPTS - 1:
                raise
            time.sleep(COPY_RETRY_S)


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
    """Factory of throwaway databases holding the demo district, for tests that commit.

    `create(label)` gives the layers as `wangge load` stores them; `incidents=True` adds the year of
    incidents (`import-incidents --good-rows-only`), `history=True` also their handling history
    (`import-history`), as `make data` loads them. Each kind is loaded once per session into a
    template (vacuumed and analysed) and every database is a copy of it: about 0.3 s each.
    """
    templates: dict[str, str] = {}

    def template(kind: str) -> str:
        if kind not in templates:
            base = {"incidents": "layers", "history": "incidents"}.get(kind)
            url = make_database(f"template_{kind}", template=template(base) if base else None)
            with psycopg.connect(url) as connection:
                _load_demo(connection, demo_dir, kind)
                connection.commit()
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
            templates[kind] = url
        return templates[kind]

    def create(label: str, *, incidents: bool = False, history: bool = False) -> str:
        kind = "history" if history else "incidents" if incidents else "layers"
        return make_database(label, template=template(kind))

    return create


def _load_demo(connection: psycopg.Connection, demo_dir: Path, kind: str) -> None:
    """Add one kind of the demo to a database holding the kinds before it (layers → incidents → history)."""
    from geo.incidents.csv_import import import_csv
    from geo.incidents.history_import import import_history
    from geo.layers.loader import LoadOptions, load_directory

    if kind == "layers":
        load_directory(connection, demo_dir, LoadOptions())
    elif kind == "incidents":
        import_csv(connection, demo_dir / "incidents.csv", good_rows_only=True)
    else:
        import_history(connection, demo_dir / "incident_history.csv")


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
