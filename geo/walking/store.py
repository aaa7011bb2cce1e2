"""Compute walking circles for the stations that need them and store them in PostGIS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import psycopg
import shapely

from geo.coords.crs import to_ewkb
from geo.db import serialise
from geo.db import sql as sql_file
from geo.layers import stations as stations_mod
from geo.layers.export import COORDINATE_DECIMALS
from geo.network import graph as graph_mod
from geo.network import snap
from geo.network.graph import WalkGraph
from geo.walking.circles import Circle, WalkParams, circles

# Types of the COPY's columns in binary format; geometries go as raw EWKB (bytea on the
# wire, read by PostGIS's geometry receive function): no hex to write and parse.
COPY_TYPES = ("int8", "float8", "float8", "float8", "float8", "int8", "bytea", "float8", "float8", "float8",
              "bytea")


@dataclass
class CirclesReport:
    """What a recompute did: stations recomputed and kept, those too far from the network."""

    computed: int
    kept: int
    off_network: list[str] = field(default_factory=list)
    seconds: float = 0.0


def circles_geojson(conn: psycopg.Connection, *, minutes: float | None = None, kind: str | None = None,
                    station: str | None = None) -> bytes:
    """Stored circles as GeoJSON (EPSG:4326) with their parameters; filters are optional."""
    row = conn.execute(sql_file("circles_geojson"), {"minutes": minutes, "kind": kind, "station": station,
                                                     "decimals": COORDINATE_DECIMALS}).fetchone()
    return row[0].encode("utf-8")


def network_version(conn: psycopg.Connection) -> int:
    """Id of the import that last changed the walking network (0 if none)."""
    return conn.execute(sql_file("network_version")).fetchone()[0]


def recompute(conn: psycopg.Connection, params: WalkParams, *, full: bool = False, workers: int = 1,
              graph: WalkGraph | None = None, progress: Callable[[int], None] | None = None,
              on_total: Callable[[int], None] | None = None) -> CirclesReport:
    """Bring the stored circles up to date in one transaction.

    Only stations added, moved, or computed with other parameters or on another network
    are recomputed (all of them with `full`); circles of removed stations go with them.
    """
    started = time.perf_counter()
    version = network_version(conn)
    minutes = list(params.minutes)
    with conn.transaction():
        serialise(conn, "walk_circles")
        fresh = set() if full else {r[0] for r in conn.execute(sql_file("circles_fresh"), {
            "speed_kmh": params.speed_kmh, "buffer_m": params.buffer_m,
            "network_version": version, "minutes": minutes})}
        everything = stations_mod.load(conn)
        stale = everything.select(np.array([i not in fresh for i in everything.ids], dtype=bool))
        conn.execute("DELETE FROM walk_circles WHERE NOT (station_id = ANY(%s))", (sorted(fresh),))
        if on_total:
            on_total(len(stale))
        off: list[str] = []
        if len(stale):
            graph = graph or graph_mod.load(conn)
            snapped = snap.snap(graph, snap.lonlat_to_points(graph, stale.lon, stale.lat))
            off = [str(c) for c in stale.codes[~snapped.on_network]]
            _store(conn, stale, snapped, params, version,
                   circles(graph, snapped, params, workers=workers, ewkb=True, progress=progress))
    return CirclesReport(len(stale) - len(off), len(fresh), off, time.perf_counter() - started)


def _store(conn: psycopg.Connection, stale: stations_mod.Stations, snapped: snap.Snapped,
           params: WalkParams, version: int, results: Iterable[Circle]) -> None:
    columns = ("station_id, minutes, limit_m, speed_kmh, buffer_m, network_version, station_geom, "
               "snap_distance_m, reached_length_m, area_m2, geom")
    with conn.cursor().copy(f"COPY walk_circles ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(COPY_TYPES)
        for circle in results:
            i = circle.source
            station_point = shapely.Point(stale.lon[i], stale.lat[i])
            copy.write_row((int(stale.ids[i]), circle.minutes, circle.limit_m, params.speed_kmh, params.buffer_m,
                            version, to_ewkb(station_point, binary=True), float(snapped.distance_m[i]),
                            round(circle.reached_length_m, 2), round(circle.area_m2, 1), circle.geom))
