"""Who is within walking reach of a station: residents covered per street, community and grid."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import psycopg
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import BadRequest, NotComputed
from geo.layers.schema import STATION_KINDS
from geo.walking.access import ANY_KIND

Level = Literal["street", "community", "grid"]
LEVELS: tuple[Level, ...] = ("street", "community", "grid")
# GB 50180-2018: the 15-minute life circle is 800-1,000 m of walking; 15 minutes at 4 km/h.
DEFAULT_LIMIT_M = 1000.0


def check_kind(kind: str) -> str:
    """`kind` if it is a station kind or '全部' (any kind); BadRequest naming the valid ones otherwise."""
    if kind != ANY_KIND and kind not in STATION_KINDS:
        raise BadRequest(f"未知驿站类型“{kind}”（可用：{ANY_KIND}、{'、'.join(STATION_KINDS)}）")
    return kind


def access_run(conn: psycopg.Connection, *, at: dt.time | None, include_planned: bool = False) -> int:
    """Id of the stored access run for hour `at` (None: any hour); NotComputed naming the step that makes it."""
    row = conn.execute(sql_file("access_run"), {"at": at, "include_planned": include_planned}).fetchone()
    if row is None:
        options: dict[str, object] = {"at": f"{at:%H:%M}"} if at is not None else {}
        if include_planned:
            options["include_planned"] = True
        raise NotComputed(f"尚未计算{'该时段' if at else '全时段'}的步行可达性", step="access", options=options)
    return int(row[0])


def by_area(conn: psycopg.Connection, level: Level, *, kind: str = ANY_KIND, at: dt.time | None = None,
            include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M) -> list[dict[str, object]]:
    """Residents, covered residents (within `limit_m` metres' walk) and their share per area, worst first.

    Only residential buildings (residents > 0) count; a building is covered when its walking
    distance to the nearest open station of `kind` is at most `limit_m`.
    """
    if level not in LEVELS:
        raise BadRequest(f"level 应为 {'、'.join(LEVELS)} 之一，实际为“{level}”")
    if not limit_m > 0:
        raise BadRequest(f"步行距离上限须大于0米，实际为{limit_m}")
    run_id = access_run(conn, at=at, include_planned=include_planned)
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(sql_file("coverage_by_area"), {"level": level, "kind": check_kind(kind), "run_id": run_id,
                                                      "limit_m": limit_m}).fetchall()


def totals(rows: list[dict[str, object]]) -> dict[str, object]:
    """Residents, covered and share over the rows of `by_area` (any level gives the same totals)."""
    residents = sum(int(r["residents"]) for r in rows)
    covered = sum(int(r["covered"]) for r in rows)
    return {"residents": residents, "covered": covered, "uncovered": residents - covered,
            "share": round(covered / residents, 4) if residents else None}
