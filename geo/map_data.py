"""What the maps draw, read from PostGIS as GeoJSON-ready structures (EPSG:4326); no HTTP, no HTML.

Geometries are simplified for display (DISPLAY_TOLERANCE_DEG, about 3 m) and written with
DISPLAY_DECIMALS decimals (about 1 m); nothing here carries personal data.
"""

from __future__ import annotations

import datetime as dt
import json

import psycopg
from psycopg.rows import dict_row

from geo.db import serialise
from geo.db import sql as sql_file
from geo.layers import stations as stations_mod
from geo.walking.access import ANY_KIND
from geo.walking.coverage import check_kind

DISPLAY_DECIMALS = 5
DISPLAY_TOLERANCE_DEG = 0.00003


def district_bounds(conn: psycopg.Connection) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the grids (the districts if there are no grids)."""
    row = conn.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                       "(SELECT coalesce((SELECT ST_Extent(geom) FROM grids), "
                       "(SELECT ST_Extent(geom) FROM districts)) AS e) AS x").fetchone()
    if row is None or row[0] is None:
        return (73.0, 3.0, 136.0, 54.0)  # nothing loaded: mainland China's extent
    return tuple(float(v) for v in row)


def grids(conn: psycopg.Connection, bbox: tuple[float, float, float, float] | None = None) -> dict[str, object]:
    """The grids of the assignment grid system (those meeting `bbox`, west/south/east/north degrees).

    Code, name, community and street names, residents. Simplified for display; within a
    box by a 2,000th of its width (never under DISPLAY_TOLERANCE_DEG), invisible at the
    scale such a box is seen at, so the answer stays small.
    """
    west, south, east, north = bbox if bbox is not None else (None,) * 4
    tolerance = DISPLAY_TOLERANCE_DEG if bbox is None else max(DISPLAY_TOLERANCE_DEG, (east - west) / 2000)
    text = conn.execute(sql_file("map_grids"), {"west": west, "south": south, "east": east, "north": north,
                                                "tolerance": tolerance, "decimals": DISPLAY_DECIMALS}).fetchone()[0]
    return json.loads(text)


def stations(conn: psycopg.Connection) -> list[dict[str, object]]:
    """Every station with kind, services, hours and status, and lon/lat in degrees."""
    return conn.cursor(row_factory=dict_row).execute(sql_file("map_stations")).fetchall()


def chosen_station_ids(conn: psycopg.Connection, kind: str, at: dt.time | None) -> list[int]:
    """Ids of the existing stations of `kind` ('全部': any) open at `at` (None: any hour)."""
    everything = stations_mod.load(conn)
    mask = everything.open_at(at) & everything.existing
    if check_kind(kind) != ANY_KIND:
        mask &= everything.kinds == kind
    return [int(i) for i in everything.ids[mask]]


def _ring_key(kind: str, at: dt.time | None, minutes: float) -> dict[str, object]:
    return {"kind": kind, "at_key": at.strftime("%H:%M") if at else "", "minutes": minutes}


def ring_union(conn: psycopg.Connection, *, kind: str, at: dt.time | None, minutes: float) -> dict | None:
    """The union of the `minutes` circles of the chosen stations as a GeoJSON geometry (None if none).

    Reads only: the union kept in `map_ring_unions` when it was made from the circles
    stored now (see `store_ring_union`), else one made for this call and not kept.
    """
    ids = chosen_station_ids(conn, kind, at)
    version, count = conn.execute(sql_file("map_ring_version"), {"minutes": minutes, "station_ids": ids}).fetchone()
    if count == 0:
        return None
    key = _ring_key(kind, at, minutes)
    kept = conn.execute("SELECT ST_AsGeoJSON(geom, %(decimals)s) FROM map_ring_unions WHERE station_kind = %(kind)s "
                        "AND at_key = %(at_key)s AND minutes = %(minutes)s AND version = %(version)s",
                        {**key, "version": version, "decimals": DISPLAY_DECIMALS}).fetchone()
    if kept is None:
        kept = conn.execute(sql_file("map_ring_union"), {"minutes": minutes, "station_ids": ids,
                                                         "tolerance": DISPLAY_TOLERANCE_DEG,
                                                         "decimals": DISPLAY_DECIMALS}).fetchone()
    return json.loads(kept[0]) if kept and kept[0] else None


def store_ring_union(conn: psycopg.Connection, *, kind: str, at: dt.time | None, minutes: float) -> None:
    """Make and keep the union `ring_union` reads for these inputs (unions take seconds), in one transaction."""
    ids = chosen_station_ids(conn, kind, at)
    version, count = conn.execute(sql_file("map_ring_version"), {"minutes": minutes, "station_ids": ids}).fetchone()
    with conn.transaction():
        serialise(conn, "map_ring_unions")
        if count == 0:
            conn.execute("DELETE FROM map_ring_unions WHERE station_kind = %(kind)s AND at_key = %(at_key)s "
                         "AND minutes = %(minutes)s", _ring_key(kind, at, minutes))
        else:
            conn.execute(sql_file("map_ring_store"), {**_ring_key(kind, at, minutes), "version": version,
                                                      "station_ids": ids, "tolerance": DISPLAY_TOLERANCE_DEG})


def categories(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(code, name) of the responsibility list's categories, by code."""
    return [(r[0], r[1]) for r in conn.execute("SELECT code, name FROM categories ORDER BY code")]


def grid_count(conn: psycopg.Connection) -> int:
    """Number of grids of the assignment grid system (what the grid layers would draw)."""
    return conn.execute("SELECT count(*) FROM grids JOIN assignment_settings s ON s.grid_system = grids.system"
                        ).fetchone()[0]
