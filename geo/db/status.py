"""What the database holds: server and extension versions, layer counts, key figures."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import DatabaseUnavailable
from geo.layers.schema import LAYERS


def versions(conn: psycopg.Connection) -> dict[str, str | int | None]:
    """PostgreSQL, PostGIS and pgRouting versions and the schema version; error if one is missing."""
    try:
        row = conn.cursor(row_factory=dict_row).execute(sql_file("versions")).fetchone()
    except psycopg.errors.UndefinedTable:
        raise DatabaseUnavailable("数据库尚未初始化，请先运行 wangge migrate") from None
    missing = [name for name in ("postgis", "pgrouting") if row[name] is None]
    if missing:
        raise DatabaseUnavailable(f"数据库缺少扩展：{', '.join(missing)}")
    return row


def summary(conn: psycopg.Connection) -> dict[str, float]:
    """Counts of administrative units, grids, buildings, residents, stations and network."""
    return conn.cursor(row_factory=dict_row).execute(sql_file("summary")).fetchone()


def layer_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Number of features stored in each layer."""
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, count(*) FROM {table}").format(name=sql.Literal(name), table=sql.Identifier(name))
        for name in LAYERS)
    return dict(conn.execute(query).fetchall())
