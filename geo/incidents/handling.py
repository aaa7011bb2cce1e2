"""The handling pipeline: allowed transitions with an audit trail, due queues, figures."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import psycopg
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import IllegalTransition, NotFound

Level = Literal["street", "community", "grid"]
Queue = Literal["overdue", "due_soon"]
DUE_SOON_HOURS = 24


def act(conn: psycopg.Connection, incident_id: int, action: str, *, actor: str, note: str = "",
        satisfied: bool | None = None) -> str:
    """Apply `action` as `actor`; return the new state, or raise IllegalTransition naming what is allowed."""
    with conn.transaction():
        row = conn.execute(sql_file("incident_transition"), {"id": incident_id, "action": action, "actor": actor,
                                                             "note": note, "satisfied": satisfied}).fetchone()
        if row is not None:
            return row[0]
        state = conn.execute("SELECT status, handling_type FROM incidents WHERE id = %s", (incident_id,)).fetchone()
        if state is None:
            raise NotFound(f"没有编号为{incident_id}的事件")
        allowed = [a for a, types in conn.execute(
            "SELECT action, handling_types FROM incident_transitions WHERE from_status = %s ORDER BY action",
            (state[0],)) if types is None or state[1] in types]
        raise IllegalTransition(f"事件{incident_id}当前为“{state[0]}”（{state[1]}），不能执行“{action}”；"
                                f"可执行：{'、'.join(allowed) or '无'}")


def events(conn: psycopg.Connection, incident_id: int) -> list[dict[str, object]]:
    """The audit trail of one incident, oldest first."""
    return conn.cursor(row_factory=dict_row).execute(
        "SELECT at, actor, action, from_status, to_status, note FROM incident_events "
        "WHERE incident_id = %s ORDER BY at, id", (incident_id,)).fetchall()


def queue(conn: psycopg.Connection, which: Queue, *, now: dt.datetime | None = None, area: str | None = None,
          hours: int = DUE_SOON_HOURS, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, object]]]:
    """(how many match, one page of them): open incidents overdue, or due within `hours`, in `area` (a code prefix)."""
    rows = conn.cursor(row_factory=dict_row).execute(sql_file("incident_queue"), {
        "queue": which, "now": now or dt.datetime.now(dt.UTC), "hours": hours, "area": area,
        "limit": limit, "offset": offset}).fetchall()
    total = int(rows[0]["total"])
    page = [{k: v for k, v in row.items() if k != "total"} for row in rows if row["id"] is not None]
    return total, page


def grid_code(conn: psycopg.Connection, incident_id: int) -> str | None:
    """The code of the grid incident `incident_id` is assigned to (None if none); NotFound if no such incident."""
    row = conn.execute("SELECT g.code FROM incidents AS i LEFT JOIN grids AS g ON g.id = i.grid_id WHERE i.id = %s",
                       (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    return row[0]


def set_publishable(conn: psycopg.Connection, incident_id: int, publishable: bool, *, actor: str) -> None:
    """Moderation: let the public see the (masked) description, or withdraw it. The caller commits."""
    row = conn.execute("UPDATE incidents SET publishable = %s, published_by = %s WHERE id = %s RETURNING id",
                       (publishable, actor if publishable else None, incident_id)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    conn.execute("INSERT INTO incident_events (incident_id, actor, action, to_status, note) "
                 "SELECT id, %s, %s, status, '' FROM incidents WHERE id = %s",
                 (actor, "公开描述" if publishable else "撤回公开", incident_id))


def figures(conn: psycopg.Connection, level: Level, start: dt.datetime, end: dt.datetime, *,
            now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Per-unit counts, 响应率, 解决率, 满意率 (percent), overdue count, median hours to close."""
    return conn.cursor(row_factory=dict_row).execute(sql_file("incident_figures"), {
        "level": level, "start": start, "end": end, "now": now or dt.datetime.now(dt.UTC)}).fetchall()
