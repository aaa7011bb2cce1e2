"""Walking access: each building's and node's distance to its nearest station, per kind and hour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import psycopg

from geo.db import serialise
from geo.db import sql as sql_file
from geo.layers import stations as stations_mod
from geo.network import graph as graph_mod
from geo.network import reach, snap
from geo.network.graph import WalkGraph
from geo.progress import Progress
from geo.walking.store import network_version

ANY_KIND = "全部"


@dataclass(frozen=True)
class Nearest:
    """Per point (building or node): distance in metres to the nearest station and its id.

    Unreachable points have distance inf and station id -1.
    """

    kind: str
    distance_m: np.ndarray
    station_id: np.ndarray


def nearest(graph: WalkGraph, stations: stations_mod.Stations, points: snap.Snapped,
            kind: str = ANY_KIND) -> tuple[Nearest, Nearest]:
    """(points, nodes): each one's walking distance to the nearest of `stations`, in one multi-source pass.

    Stations too far from the network to snap onto it take no part.
    """
    snapped = snap.snap(graph, snap.lonlat_to_points(graph, stations.lon, stations.lat))
    chosen = np.flatnonzero(snapped.on_network)
    sub = snapped.take(chosen)
    node_dist, node_src = reach.nearest_source(graph, sub)
    point_dist, point_src = reach.to_points(graph, node_dist, node_src, points, sub)
    return (_named(kind, point_dist, point_src, stations.ids[chosen]),
            _named(kind, node_dist, node_src, stations.ids[chosen]))


def counting(stations: stations_mod.Stations, kind: str, at: dt.time | None, include_planned: bool) -> np.ndarray:
    """Mask of the stations that count: of `kind` ('全部': any), open at `at`, existing (or planned too)."""
    mask = stations.open_at(at) & (stations.existing | include_planned)
    return mask & (stations.kinds == kind) if kind != ANY_KIND else mask


def nearest_by_kind(graph: WalkGraph, stations: stations_mod.Stations, points: snap.Snapped, *,
                    progress: Progress | None = None) -> list[tuple[Nearest, Nearest]]:
    """(points, nodes) results for any kind and for each kind present among `stations`.

    One multi-source Dijkstra per kind: cost does not grow with the number of stations.
    """
    results = []
    kinds = [ANY_KIND, *sorted(set(stations.kinds))]
    for kind in kinds:
        results.append(nearest(graph, stations.select(counting(stations, kind, None, True)), points, kind))
        if progress:
            progress(kind, len(results), len(kinds))
    return results


def _named(kind: str, dist: np.ndarray, src: np.ndarray, ids: np.ndarray) -> Nearest:
    station = np.where(src >= 0, ids[np.maximum(src, 0)] if len(ids) else -1, -1)
    return Nearest(kind, dist, station.astype(np.int64))


@dataclass
class AccessReport:
    """What an access computation covered."""

    run_id: int
    stations: int
    buildings: int
    nodes: int


def recompute(conn: psycopg.Connection, *, at: dt.time | None = None, include_planned: bool = False,
              graph: WalkGraph | None = None, progress: Progress | None = None) -> AccessReport:
    """Compute and store nearest-station distances for stations open at `at` (any hour if None).

    Replaces the previous run for the same `at` and planned-station choice, in one transaction.
    """
    graph = graph or graph_mod.load(conn)
    everything = stations_mod.load(conn)
    chosen = everything.select(counting(everything, ANY_KIND, at, include_planned))
    buildings = conn.execute(sql_file("buildings_for_routing")).fetchall()
    building_ids = np.array([r[0] for r in buildings], dtype=np.int64)
    points = snap.snap(graph, snap.lonlat_to_points(graph, np.array([r[1] for r in buildings], dtype=float),
                                                    np.array([r[2] for r in buildings], dtype=float)))
    results = nearest_by_kind(graph, chosen, points, progress=progress)
    with conn.transaction():
        serialise(conn, "access_runs")
        conn.execute("DELETE FROM access_runs WHERE at_time IS NOT DISTINCT FROM %s AND include_planned = %s",
                     (at, include_planned))
        run_id = conn.execute(
            "INSERT INTO access_runs (at_time, include_planned, network_version, stations) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (at, include_planned, network_version(conn), len(chosen))).fetchone()[0]
        _copy(conn, "building_access", "building_id", run_id, building_ids, [r[0] for r in results])
        _copy(conn, "node_access", "node_id", run_id, graph.node_ids, [r[1] for r in results])
    return AccessReport(run_id, len(chosen), len(building_ids), graph.n_nodes)


def _copy(conn: psycopg.Connection, table: str, id_column: str, run_id: int, ids: np.ndarray,
          results: list[Nearest]) -> None:
    with conn.cursor().copy(f"COPY {table} (run_id, {id_column}, station_kind, station_id, distance_m) FROM STDIN") as copy:
        for result in results:
            reachable = np.isfinite(result.distance_m)
            for i in range(len(ids)):
                if reachable[i]:
                    copy.write_row((run_id, int(ids[i]), result.kind, int(result.station_id[i]),
                                    round(float(result.distance_m[i]), 2)))
                else:
                    copy.write_row((run_id, int(ids[i]), result.kind, None, None))


def stored_run(conn: psycopg.Connection, *, at: dt.time | None, include_planned: bool = False) -> int | None:
    """Id of the stored access run for hour `at` (None: any hour) and planned-station choice, if there is one."""
    row = conn.execute(sql_file("access_run"), {"at": at, "include_planned": include_planned}).fetchone()
    return None if row is None else int(row[0])
