"""The `reader` schema: views of every layer and result without personal data, for `wangge_reader`.

Desktop GIS users (QGIS, ArcGIS) connect as the role `wangge_reader` (made by migration 0008).
It may read the views of schema `reader` and nothing else: one view per table of `public`,
minus the private tables (accounts, the audit log, handling notes, import logs) and the
personal columns; `attrs` keeps only the keys declared in `public_attributes`. The views are
made anew after every migration, so a new table or column shows up without extra work, and
are dropped before one, so a migration may change the columns they read.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from geo.layers.export import PUBLIC_ATTRS

READER_ROLE = "wangge_reader"
SCHEMA = "reader"
# Tables with no public rows at all.
PRIVATE_TABLES = frozenset({"users", "api_tokens", "sessions", "audit_log", "incident_events", "imports",
                            "schema_migrations", "spatial_ref_sys", "siting_jobs",
                            "incident_photos"})
# Columns that identify or may identify a person, in whatever table they appear.
PRIVATE_COLUMNS = {
    "incidents": frozenset({"description", "reporter_name", "reporter_phone", "request_id", "attrs",
                            "content_sha256", "published_by"}),
}
_TABLES = """
SELECT c.relname, array_agg(a.attname ORDER BY a.attnum)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
GROUP BY c.relname
ORDER BY c.relname
"""


def drop_views(conn: psycopg.Connection) -> None:
    """Drop the reader schema (before migrations change the tables under it)."""
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def make_views(conn: psycopg.Connection) -> list[str]:
    """(Re)make schema `reader` with one view per public table; grant it to wangge_reader. Names of the views."""
    drop_views(conn)
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
    made = []
    for table, columns in conn.execute(_TABLES).fetchall():
        if table in PRIVATE_TABLES:
            continue
        hidden = PRIVATE_COLUMNS.get(table, frozenset())
        shown = [_column(table, c) for c in columns if c not in hidden]
        conn.execute(sql.SQL("CREATE VIEW {}.{} AS SELECT {} FROM public.{} AS t").format(
            sql.Identifier(SCHEMA), sql.Identifier(table), sql.SQL(", ").join(shown), sql.Identifier(table)))
        made.append(table)
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER_ROLE,)).fetchone():
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA),
                                                                   sql.Identifier(READER_ROLE)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
            sql.Identifier(SCHEMA), sql.Identifier(READER_ROLE)))
    return made


def _column(table: str, column: str) -> sql.Composable:
    if column == "attrs":
        return PUBLIC_ATTRS.format(layer=sql.Literal(table))
    return sql.SQL("t.{}").format(sql.Identifier(column))


def set_password(conn: psycopg.Connection, password: str) -> None:
    """Give wangge_reader `password` (from the settings) for password-authenticated connections."""
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(READER_ROLE), sql.Literal(password)))
