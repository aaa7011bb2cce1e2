"""The audit log: who changed what (layers, scenarios, runs, incidents, users), never rewritten."""

from __future__ import annotations

import json

import psycopg
from psycopg.rows import dict_row

_INSERT = "INSERT INTO audit_log (actor, action, target, detail) VALUES (%s, %s, %s, %s::jsonb)"
_PAGE = ("SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT %s OFFSET %s")


def record(conn: psycopg.Connection, actor: str, action: str, target: str = "",
           detail: dict[str, object] | None = None) -> None:
    """Add one entry in the caller's transaction (so it is stored exactly when the change is)."""
    conn.execute(_INSERT, (actor, action, target, json.dumps(detail or {}, ensure_ascii=False, default=str)))


def page(conn: psycopg.Connection, *, limit: int, offset: int) -> tuple[int, list[dict[str, object]]]:
    """(total entries, one page of them, newest first)."""
    total = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    return total, conn.cursor(row_factory=dict_row).execute(_PAGE, (limit, offset)).fetchall()
