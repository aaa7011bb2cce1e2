"""The walking graph and the buildings snapped onto it, kept in memory per data version.

Questions asked on request (who is within reach of a clicked point, what a moved station
changes) must not load and snap 20,000 edges and 6,000 buildings each time: the first asks,
the rest reuse. The version is the last import of the network and of the buildings
(table `imports`); a new import of either makes the next question load afresh.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import psycopg

from geo.db import sql as sql_file
from geo.network import graph as graph_mod
from geo.network import snap
from geo.network.graph import WalkGraph

_VERSION = """
SELECT coalesce(max(id) FILTER (WHERE layer IN ('network_edges', 'network_nodes')), 0),
       coalesce(max(id) FILTER (WHERE layer = 'buildings'), 0)
FROM imports
"""


@dataclass(frozen=True)
class Loaded:
    """The graph, and per building: id, residents, its point snapped onto the graph."""

    version: tuple[int, int]
    graph: WalkGraph
    building_ids: np.ndarray
    residents: np.ndarray
    buildings: snap.Snapped


_lock = threading.Lock()
_cache: dict[str, Loaded] = {}


def current(conn: psycopg.Connection) -> Loaded:
    """The loaded data of `conn`'s database at its present version (loaded once per version)."""
    version = tuple(conn.execute(_VERSION).fetchone())
    key = f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}"
    with _lock:
        found = _cache.get(key)
        if found is not None and found.version == version:
            return found
        graph = graph_mod.load(conn)
        rows = conn.execute(sql_file("buildings_for_routing")).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        residents = np.array([r[3] for r in rows], dtype=np.int64)
        lon = np.array([r[1] for r in rows], dtype=float)
        lat = np.array([r[2] for r in rows], dtype=float)
        loaded = Loaded(version, graph, ids, residents, snap.snap(graph, snap.lonlat_to_points(graph, lon, lat)))
        _ = graph.matrix, graph.tree  # built now, under the lock, not by the first concurrent question
        _cache[key] = loaded
        return loaded
