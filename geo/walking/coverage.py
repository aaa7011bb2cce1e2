"""Who is within walking reach of a station: residents covered per street, community and grid."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import psycopg
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import BadRequest
from geo.layers.schema import STATION_KINDS
from geo.walking import live
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


def by_area(conn: psycopg.Connection, level: Level, *, kind: str = ANY_KIND, at: dt.time | None = None,
            include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M) -> list[dict[str, object]]:
    """Residents, covered residents (within `limit_m` metres' walk) and their share per area, worst first.

    Only residential buildings (residents > 0) count; a building is covered when its walking
    distance to the nearest open station of `kind` is at most `limit_m`. Computed on request
    for any hour (geo.walking.live); nothing is read from or written to stored runs.
    """
    if level not in LEVELS:
        raise BadRequest(f"level 应为 {'、'.join(LEVELS)} 之一，实际为“{level}”")
    if not limit_m > 0:
        raise BadRequest(f"步行距离上限须大于0米，实际为{limit_m}")
    found = live.access(conn, kind=check_kind(kind), at=at, include_planned=include_planned)
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(sql_file("coverage_by_area"), {"level": level, "limit_m": limit_m,
                                                      **found.sql_arrays()}).fetchall()


def totals(rows: list[dict[str, object]]) -> dict[str, object]:
    """Residents, covered and share over the rows of `by_area` (any level gives the same totals)."""
    residents = sum(int(r["residents"]) for r in rows)
    covered = sum(int(r["covered"]) for r in rows)
    return {"residents": residents, "covered": covered, "uncovered": residents - covered,
            "share": round(covered / residents, 4) if residents else None}
