"""Walking rings from any point: residents against networkx on the same edges, rings against stored circles."""

from __future__ import annotations

import networkx as nx
import numpy as np
import psycopg
import pytest
import shapely

from geo.errors import BadRequest
from geo.network import snap
from geo.walking import _loaded, area
from geo.walking.circles import WalkParams

SEED = 20261205
CASES = 25
PARAMS = WalkParams((5.0, 10.0, 15.0))


def reference_distances(conn: psycopg.Connection, loaded: _loaded.Loaded, lon: float, lat: float) -> dict[int, float]:
    """Walking distance (m) from the point to each building by networkx's Dijkstra over the stored edges.

    The start and the buildings are placed on their edges where geo.network.snap puts them
    (edge, metres from its source node); the routing between them is networkx's own.
    """
    g = nx.Graph()
    for source, target, length in conn.execute("SELECT source, target, length_m FROM network_edges"):
        if not g.has_edge(source, target) or g[source][target]["weight"] > length:
            g.add_edge(source, target, weight=length)
    graph = loaded.graph
    start = snap.snap(graph, snap.lonlat_to_points(graph, np.array([lon]), np.array([lat])))
    e, off = int(start.edge[0]), float(start.offset_m[0])
    u, v, length = int(graph.node_ids[graph.u[e]]), int(graph.node_ids[graph.v[e]]), float(graph.length_m[e])
    g.add_edge("start", u, weight=off)
    g.add_edge("start", v, weight=length - off)
    node_dist = nx.single_source_dijkstra_path_length(g, "start", cutoff=2000)
    out = {}
    points = loaded.buildings
    for i, building in enumerate(loaded.building_ids):
        if not points.on_network[i]:
            continue
        be = int(points.edge[i])
        bu, bv = int(graph.node_ids[graph.u[be]]), int(graph.node_ids[graph.v[be]])
        boff, blen = float(points.offset_m[i]), float(graph.length_m[be])
        best = min(node_dist.get(bu, np.inf) + boff, node_dist.get(bv, np.inf) + blen - boff)
        if be == e:
            best = min(best, abs(boff - off))
        out[int(building)] = best
    return out


def test_residents_within_each_ring_equal_networkx(demo: psycopg.Connection) -> None:
    loaded = _loaded.current(demo)
    residents = dict(demo.execute("SELECT id, residents FROM buildings").fetchall())
    west, south, east, north = demo.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x"
    ).fetchone()
    rng = np.random.default_rng(SEED)
    checked = 0
    while checked < CASES:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        try:
            found = area.walk_area(loaded, lon, lat, PARAMS)
        except BadRequest:
            continue
        reference = reference_distances(demo, loaded, lon, lat)
        for ring in found.rings:
            # Buildings within a micrometre of the limit are floating-point ties either way.
            sure = {b for b, d in reference.items() if d <= ring.limit_m - 1e-6}
            maybe = {b for b, d in reference.items() if d <= ring.limit_m + 1e-6}
            assert sum(residents[b] for b in sure) <= ring.residents <= sum(residents[b] for b in maybe), (lon, lat)
            assert len(sure) <= ring.buildings <= len(maybe)
            assert shapely.is_valid(ring.geom) and ring.area_m2 > 0
        checked += 1


def test_a_ring_from_a_station_equals_its_stored_circle(demo: psycopg.Connection) -> None:
    from geo.walking import store

    store.recompute(demo, WalkParams((15.0,)))
    rows = demo.execute(
        "SELECT ST_X(s.geom), ST_Y(s.geom), c.area_m2, ST_AsBinary(c.geom) FROM walk_circles AS c "
        "JOIN stations AS s ON s.id = c.station_id WHERE c.minutes = 15 ORDER BY s.id LIMIT 10").fetchall()
    loaded = _loaded.current(demo)
    for lon, lat, area_m2, wkb in rows:
        ring = area.walk_area(loaded, lon, lat, WalkParams((15.0,))).rings[0]
        assert ring.area_m2 == pytest.approx(area_m2, rel=1e-6)
        stored = shapely.from_wkb(wkb)
        assert shapely.symmetric_difference(ring.geom, stored).area <= 1e-6 * stored.area


def test_points_far_from_the_network_are_refused(demo: psycopg.Connection) -> None:
    with pytest.raises(BadRequest, match="步行道路"):
        area.walk_area(_loaded.current(demo), 100.0, 30.0, PARAMS)
