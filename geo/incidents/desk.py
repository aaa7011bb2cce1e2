"""The dispatcher's desk: the queue within one's area, an incident with everything needed to act on it,
bulk actions, manual placement on a grid and duplicate links.

Every function takes the caller's area (a district, street, community or grid code): incidents
outside it are neither listed nor touched; district-wide callers also see incidents on no grid.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from geo.db import sql as sql_file
from geo.errors import BadRequest, NotFound, OutOfScope, WanggeError
from geo.incidents import handling
from geo.incidents import intake as incidents
from geo.incidents.filters import IncidentFilter

Sort = Literal["deadline", "-deadline", "reported", "-reported", "id", "-id", "status", "grid"]
SORTS: dict[str, str] = {
    "deadline": "deadline NULLS LAST, id", "-deadline": "deadline DESC NULLS LAST, id DESC",
    "reported": "reported_at, id", "-reported": "reported_at DESC, id DESC", "id": "id", "-id": "id DESC",
    "status": "status, deadline NULLS LAST, id", "grid": "grid_code NULLS FIRST, deadline NULLS LAST, id"}
SORT_LABELS = {"deadline": "时限从早到晚", "-deadline": "时限从晚到早", "reported": "报告从早到晚",
               "-reported": "报告从新到旧", "id": "编号升序", "-id": "编号降序", "status": "按状态", "grid": "按网格"}
NEARBY_RADIUS_M = 200.0
NEARBY_DAYS = 30
NEARBY_SHOWN = 50
MAX_BULK = 500
MAX_REASON = 500


@dataclasses.dataclass(frozen=True)
class QueuePage:
    """One page of the queue: how many match in all and per state, and the rows of this page."""

    total: int
    by_status: dict[str, int]
    rows: list[dict[str, object]]


def scope_condition(area: str) -> tuple[sql.Composable, dict[str, object]]:
    """SQL condition over `i`, `g`: the incident lies in `area` (district-wide areas include unplaced ones)."""
    if len(area) == 6:
        return sql.SQL("(g.code LIKE %(s_area)s OR i.grid_id IS NULL)"), {"s_area": area + "%"}
    return sql.SQL("g.code LIKE %(s_area)s"), {"s_area": area + "%"}


def queue(conn: psycopg.Connection, filt: IncidentFilter, *, area: str, personal: bool,
          sort: str = "deadline", limit: int = 50, offset: int = 0, now: dt.datetime | None = None) -> QueuePage:
    """One page of the incidents in `area` that `filt` selects, in order `sort` (a key of SORTS)."""
    if sort not in SORTS:
        raise BadRequest(f"排序方式无效：“{sort}”；可选：{'、'.join(SORTS)}")
    if filt.area is not None and not (filt.area.startswith(area) or area.startswith(filt.area)):
        raise OutOfScope(f"区域{filt.area}不在您的辖区（{area}）内")
    scope, scope_params = scope_condition(area)
    where, params = filt.where(now or dt.datetime.now(dt.UTC), personal=personal)
    query = sql.SQL(sql_file("desk_queue")).format(scope=scope, filter=where, order=sql.SQL(SORTS[sort]))
    rows = conn.cursor(row_factory=dict_row).execute(
        query, {**scope_params, **params, "limit": limit, "offset": offset}).fetchall()
    first = rows[0]
    page = [{k: v for k, v in row.items() if k not in ("total", "by_status")} for row in rows if row["id"] is not None]
    return QueuePage(int(first["total"]), dict(first["by_status"] or {}), page)


def check_scope(conn: psycopg.Connection, incident_id: int, area: str) -> None:
    """OutOfScope unless incident `incident_id` lies in `area`; NotFound if there is no such incident."""
    code = handling.grid_code(conn, incident_id)
    if not (code.startswith(area) if code is not None else len(area) == 6):
        raise OutOfScope(f"事件{incident_id}不在您的辖区（{area}）内")


def incident(conn: psycopg.Connection, incident_id: int, *, area: str, personal: bool) -> dict[str, object]:
    """The incident page's data: the card, its handling state, trail, allowed actions, nearby incidents, photos."""
    check_scope(conn, incident_id, area)
    card = incidents.read(conn, incident_id, personal=personal)
    if card is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    state = handling_state(conn, incident_id)
    near = conn.cursor(row_factory=dict_row).execute(sql_file("desk_nearby"), {
        "id": incident_id, "radius_m": NEARBY_RADIUS_M, "days": NEARBY_DAYS, "limit": NEARBY_SHOWN}).fetchall()
    photos = [r[0] for r in conn.execute("SELECT id FROM incident_photos WHERE incident_id = %s ORDER BY id",
                                         (incident_id,))]
    return {**card, **state, "events": handling.events(conn, incident_id),
            "actions": handling.allowed_actions(conn, state["status"], card["handling_type"]),  # type: ignore[arg-type]
            "nearby_total": int(near[0]["total"]), "nearby": [r for r in near if r["id"] is not None],
            "photos": photos}


def handling_state(conn: psycopg.Connection, incident_id: int) -> dict[str, object]:
    """Where the incident stands: state, response and closing times, satisfaction, feedback way, escalation,
    co-handling departments, duplicate link, photo count, publication, and its grid's outline (GeoJSON)."""
    return conn.cursor(row_factory=dict_row).execute(sql_file("desk_incident"), {"id": incident_id}).fetchone()


def act_many(conn: psycopg.Connection, ids: Sequence[int], action: str, *, area: str, actor: str, note: str = "",
             satisfied: bool | None = None, feedback_way: str | None = None,
             deadline: dt.datetime | None = None) -> list[dict[str, object]]:
    """Apply one action to each incident of `ids` on its own: [{id, ok, status | error}], in the order given.

    An incident refused (out of scope, missing, step not allowed) leaves the others applied. The caller commits.
    """
    if not 1 <= len(ids) <= MAX_BULK or len(set(ids)) != len(ids):
        raise BadRequest(f"批量办理须选择1～{MAX_BULK}件不重复的事件")
    results: list[dict[str, object]] = []
    for incident_id in ids:
        try:
            check_scope(conn, incident_id, area)
            status = handling.act(conn, incident_id, action, actor=actor, note=note, satisfied=satisfied,
                                  feedback_way=feedback_way, deadline=deadline)
            results.append({"id": incident_id, "ok": True, "status": status})
        except WanggeError as exc:
            results.append({"id": incident_id, "ok": False, "error": str(exc)})
    return results


def place(conn: psycopg.Connection, incident_id: int, grid_code: str, reason: str, *, area: str, actor: str) -> str:
    """Put an incident on grid `grid_code` by hand (assign_method 'manual'), with a reason; the grid's name.

    The placement stands until the incident's location changes (the assignment trigger keeps it).
    The caller commits.
    """
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise BadRequest(f"人工分派须写明理由（1～{MAX_REASON}字）")
    check_scope(conn, incident_id, area)
    if not grid_code.startswith(area):
        raise OutOfScope(f"网格{grid_code}不在您的辖区（{area}）内")
    grid = conn.execute("SELECT g.id, g.name FROM grids AS g JOIN assignment_settings AS s ON s.grid_system = g.system "
                        "WHERE g.code = %s", (grid_code,)).fetchone()
    if grid is None:
        raise NotFound(f"没有编码为{grid_code}的（分派所用网格体系中的）网格")
    before = handling.grid_code(conn, incident_id)
    conn.execute(PLACE, {"id": incident_id, "grid": grid[0]})
    _event(conn, incident_id, actor, "人工分派", reason, {"grid": grid_code, "before": before})
    return str(grid[1])


def link_duplicate(conn: psycopg.Connection, incident_id: int, of: int | None, *, area: str, actor: str) -> None:
    """Mark incident `incident_id` as a duplicate of `of` (None: not a duplicate). The caller commits."""
    check_scope(conn, incident_id, area)
    if of is not None:
        if of == incident_id:
            raise BadRequest("事件不能是自身的重复件")
        check_scope(conn, of, area)
        if conn.execute(CHAIN, {"start": of, "id": incident_id}).fetchone()[0]:
            raise BadRequest(f"事件{of}已（间接）标为事件{incident_id}的重复件，不能反向关联")
    before = conn.execute("SELECT duplicate_of FROM incidents WHERE id = %s", (incident_id,)).fetchone()[0]
    conn.execute("UPDATE incidents SET duplicate_of = %s WHERE id = %s", (of, incident_id))
    _event(conn, incident_id, actor, "关联重复" if of is not None else "取消重复",
           f"重复于事件{of}" if of is not None else f"原重复于事件{before}", {"of": of, "before": before})


def choices(conn: psycopg.Connection, area: str) -> dict[str, list]:
    """The desk's filter choices: categories (code, name), departments, channels, areas (code, name) within `area`."""
    return {"categories": categories(conn),
            "departments": [r[0] for r in conn.execute(
                "SELECT DISTINCT department FROM categories WHERE department IS NOT NULL ORDER BY 1")],
            "channels": list(incidents.CHANNELS),
            "areas": conn.execute(AREAS, {"area": area + "%"}).fetchall()}


def categories(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(code, name) of every category of the responsibility list."""
    return conn.execute("SELECT code, name FROM categories ORDER BY code").fetchall()


def area_name(conn: psycopg.Connection, area: str) -> str:
    """The name of the district, street, community or grid coded `area` (the code itself if unknown)."""
    row = conn.execute(AREA_NAME, {"code": area}).fetchone()
    return str(row[0]) if row else area


def grids_in(conn: psycopg.Connection, area: str) -> list[tuple[str, str]]:
    """(code, name) of the assignment system's grids within `area`, for placing an incident by hand."""
    return conn.execute("SELECT g.code, g.name FROM grids AS g JOIN assignment_settings AS s "
                        "ON s.grid_system = g.system WHERE g.code LIKE %s ORDER BY g.code", (area + "%",)).fetchall()


def _event(conn: psycopg.Connection, incident_id: int, actor: str, action: str, note: str, detail: dict) -> None:
    conn.execute("INSERT INTO incident_events (incident_id, actor, action, from_status, to_status, note, detail) "
                 "SELECT id, %s, %s, status, status, %s, %s FROM incidents WHERE id = %s",
                 (actor, action, note, Jsonb(detail), incident_id))


PLACE = """
UPDATE incidents AS i
SET grid_id = %(grid)s, assign_method = 'manual', assigned_at = clock_timestamp(),
    assign_distance_m = CASE WHEN i.geom IS NULL THEN NULL
                             ELSE (SELECT ST_Distance(g.geom::geography, i.geom::geography)
                                   FROM grids AS g WHERE g.id = %(grid)s) END
WHERE i.id = %(id)s
"""
AREAS = """
SELECT code, name FROM streets WHERE code LIKE %(area)s
UNION ALL
SELECT c.code, s.name || ' ' || c.name FROM communities AS c JOIN streets AS s ON s.code = c.street_code
WHERE c.code LIKE %(area)s
ORDER BY 1
"""
AREA_NAME = """
SELECT name FROM districts WHERE code = %(code)s
UNION ALL SELECT name FROM streets WHERE code = %(code)s
UNION ALL SELECT name FROM communities WHERE code = %(code)s
UNION ALL SELECT name FROM grids WHERE code = %(code)s
LIMIT 1
"""
# Whether following duplicate_of links from `start` reaches `id` (a link the other way would close a loop).
CHAIN = """
WITH RECURSIVE chain(id, depth) AS (
    SELECT %(start)s::bigint, 0
    UNION ALL
    SELECT i.duplicate_of, c.depth + 1 FROM chain AS c JOIN incidents AS i ON i.id = c.id
    WHERE i.duplicate_of IS NOT NULL AND c.depth < 1000
)
SELECT EXISTS (SELECT 1 FROM chain WHERE id = %(id)s)
"""
