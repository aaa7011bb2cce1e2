"""The incidents map's data: the incidents a filter selects, with what a popup shows and nothing personal."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.incidents.filters import SHANGHAI, IncidentFilter

DEFAULT_DAYS = 30


def window(filt: IncidentFilter, now: dt.datetime) -> IncidentFilter:
    """`filt` with its reporting days made explicit: without any, the last DEFAULT_DAYS days up to `now`'s day
    (Asia/Shanghai); with a start only, up to today (or that day); with an end only, DEFAULT_DAYS days to it."""
    today = now.astimezone(SHANGHAI).date()
    end = filt.end or max(today, filt.start or today)
    start = filt.start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    return dataclasses.replace(filt, start=start, end=end)


def selected(conn: psycopg.Connection, filt: IncidentFilter, now: dt.datetime) -> tuple[list[dict[str, object]], int]:
    """(the located incidents `filt` selects, by id; how many it selects without a location, not drawn).

    Each has id, category_name, status, handling_type, department, grid_code, grid_label (name（code）), reported_at,
    deadline, overdue (open past its deadline at `now`), lon and lat (EPSG:4326, 5 decimals: about 1 m)."""
    where, params = filt.where(now, personal=False)
    rows = conn.cursor(row_factory=dict_row).execute(
        sql.SQL(sql_file("incident_map")).format(filter=where), params).fetchall()
    located = [r for r in rows if r["lat"] is not None]
    return located, len(rows) - len(located)


def latest_month(conn: psycopg.Connection, filt: IncidentFilter, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """First and last day of the latest month (Asia/Shanghai) with a located incident that `filt`, its dates
    left out, selects; None when there is none."""
    where, params = dataclasses.replace(filt, start=None, end=None).where(now, personal=False)
    latest = conn.execute(sql.SQL(sql_file("incident_map_latest")).format(filter=where), params).fetchone()[0]
    if latest is None:
        return None
    first = latest.astimezone(SHANGHAI).date().replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)
