"""Database connections and the SQL files shipped with geo/."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool

from geo.errors import DatabaseUnavailable
from geo.settings import DatabaseSettings

# Query files, one folder per area (db, layers, network, walking, incidents, planning, maps).
SQL_DIR = Path(__file__).with_name("sql")


@cache
def _sql_files() -> dict[str, Path]:
    """Every query file by its name (names are unique across the area folders)."""
    files: dict[str, Path] = {}
    for path in sorted(SQL_DIR.glob("*/*.sql")):
        if path.stem in files:
            raise RuntimeError(f"two query files named {path.stem}: {files[path.stem]} and {path}")
        files[path.stem] = path
    return files


@cache
def sql(name: str) -> str:
    """Text of the query file `geo/db/sql/{area}/{name}.sql`."""
    return _sql_files()[name].read_text(encoding="utf-8")


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Open one connection to `url`; a clear DatabaseUnavailable when that fails."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"无法连接数据库（{_safe_url(url)}）：{exc}") from exc


def open_pool(settings: DatabaseSettings) -> ConnectionPool:
    """Open a connection pool for a server process; close it on shutdown."""
    pool = ConnectionPool(
        settings.url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.connect_timeout_s,
        # A connection the database dropped (a restart) is found and replaced before use.
        check=ConnectionPool.check_connection,
        kwargs={"connect_timeout": max(1, round(settings.connect_timeout_s))},
        # While the database is away, give up a reconnection after two connect timeouts and try
        # afresh on the next request (the default, 300 s of backoff, kept the pool empty for
        # minutes after the database was back: bench/faults.py).
        reconnect_timeout=2 * settings.connect_timeout_s,
        configure=_warm,
        open=False,
    )
    pool.open(wait=False)
    return pool


# A server process's first coordinate transformation sets PROJ up (60–150 ms): done when the
# pool opens a connection, not by the first map tile or circle a user asks for.
_WARM_PROJ = "SELECT ST_Transform(ST_SetSRID(ST_MakePoint(113.1, 36.2), 4326), 3857)"


def _warm(conn: psycopg.Connection) -> None:
    """Prepare a new pooled connection: PROJ set up (when PostGIS is there), then idle outside a transaction."""
    try:
        conn.execute(_WARM_PROJ)
    except psycopg.errors.UndefinedFunction:
        pass  # a database without PostGIS yet (before `wangge migrate`)
    conn.rollback()


def drop_database(admin: psycopg.Connection, name: str, attempts: int = 5) -> None:
    """Drop database `name` if it exists, ending its sessions (`admin` in autocommit, on another database).

    PostgreSQL 15 refuses `WITH (FORCE)` while an autovacuum worker (a process without a role) works
    in the database ("must be a member of the role whose process is being terminated"); a plain
    DROP DATABASE stops autovacuum workers itself, so that is tried next, and again after a second
    while a session is still closing.
    """
    name_sql = pgsql.Identifier(name)
    for attempt in range(attempts):
        try:
            admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name_sql))
            return
        except psycopg.errors.InsufficientPrivilege:
            try:
                admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(name_sql))
                return
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(1.0)


def _safe_url(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


def serialise(conn: psycopg.Connection, name: str) -> None:
    """Wait for, then hold until the transaction ends, the lock of the stored result `name`.

    Recomputations of one stored result (circles, access, gaps, ring unions) replace rows
    under the same keys: run inside `conn.transaction()`, this makes concurrent ones take
    turns instead of colliding on unique keys.
    """
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"wangge:{name}",))
