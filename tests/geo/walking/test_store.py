"""Circles and access stored in PostGIS for the demo district; checked against pgRouting + shapely."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest
import shapely

from geo.network import graph as graph_mod
from geo.network import snap
from geo.walking import access
from geo.walking import store as circle_store
from geo.walking._offset import GRID_M, arc_tolerance
from geo.walking.circles import WalkParams

PARAMS = WalkParams()


@pytest.fixture(scope="module")
def demo_graph(demo_database_url: str) -> graph_mod.WalkGraph:
    with psycopg.connect(demo_database_url) as conn:
        return graph_mod.load(conn)




def test_every_station_gets_every_ring_with_its_parameters(demo, demo_graph) -> None:
    report = circle_store.recompute(demo, PARAMS, graph=demo_graph, workers=2)
    stations = demo.execute("SELECT count(*) FROM stations").fetchone()[0]
    assert report.computed == stations and report.kept == 0 and report.off_network == []
    rows = demo.execute("""
        SELECT count(*), count(DISTINCT station_id), bool_and(ST_IsValid(c.geom)), min(speed_kmh), max(buffer_m),
               bool_and(ST_Covers(c.geom, s.geom) OR c.snap_distance_m > %s)
        FROM walk_circles c JOIN stations s ON s.id = c.station_id""", (PARAMS.buffer_m,)).fetchone()
    assert rows == (3 * stations, stations, True, 4.0, 25.0, True)
    # Rings nest up to the sag of a round join (geo.walking._offset.arc_tolerance): where a block
    # is full in the larger ring, its hole is the block shrunk (one arc round each inward
    # corner), while the smaller ring rounds that corner by its streets' buffers.
    nested = demo.execute("""
        SELECT bool_and(ST_Covers(ST_Buffer(ST_Transform(big.geom, %(srid)s), %(slack)s, 'quad_segs=2'),
                                  ST_Transform(small.geom, %(srid)s))) FROM walk_circles small
        JOIN walk_circles big ON big.station_id = small.station_id AND big.minutes > small.minutes""",
                          {"srid": demo_graph.crs.to_epsg(),
                           "slack": arc_tolerance(PARAMS.buffer_m) + 2 * GRID_M}).fetchone()[0]
    assert nested


def test_only_added_moved_or_changed_stations_are_recomputed(demo, demo_graph) -> None:
    circle_store.recompute(demo, PARAMS, graph=demo_graph)
    demo.execute("UPDATE walk_circles SET computed_at = '2000-01-01'")  # one transaction: now() would not move
    before = dict(demo.execute("SELECT station_id, computed_at FROM walk_circles WHERE minutes = 15").fetchall())
    demo.execute("UPDATE stations SET geom = ST_Translate(geom, 0.0005, 0) WHERE code = 'ST005'")
    demo.execute("DELETE FROM stations WHERE code = 'ST006'")
    demo.execute("""INSERT INTO stations (code, name, kind, is_24h, geom)
                    SELECT 'NEW1', '新站', '城市驿站', true, geom FROM stations WHERE code = 'ST007'""")
    report = circle_store.recompute(demo, PARAMS, graph=demo_graph)
    assert (report.computed, report.kept) == (2, len(before) - 2)
    after = dict(demo.execute("SELECT station_id, computed_at FROM walk_circles WHERE minutes = 15").fetchall())
    changed = {sid for sid in after if after[sid] != before.get(sid)}
    codes = {r[0] for r in demo.execute("SELECT code FROM stations WHERE id = ANY(%s)", (list(changed),))}
    assert codes == {"ST005", "NEW1"}
    assert circle_store.recompute(demo, WalkParams(speed_kmh=4.5), graph=demo_graph).kept == 0


def test_a_new_network_import_makes_every_circle_stale(demo, demo_graph) -> None:
    circle_store.recompute(demo, WalkParams(minutes=(5,)), graph=demo_graph)
    demo.execute("INSERT INTO imports (layer, source, source_crs, mode, rows_read, rows_loaded) "
                 "VALUES ('network_edges', 'test', 'EPSG:4326', 'merge', 0, 0)")
    assert circle_store.recompute(demo, WalkParams(minutes=(5,)), graph=demo_graph).kept == 0


def _pgrouting_node_distances(conn, graph, sources: snap.Snapped, i: int, limit_m: float) -> np.ndarray:
    """Distances from source i to every node by pgr_withPointsDD (inf beyond the limit)."""
    rows = conn.execute("""
        SELECT node, agg_cost FROM pgr_withPointsDD(
            'SELECT id, source, target, cost, reverse_cost FROM network_edges',
            format('SELECT 1 AS pid, %%s::bigint AS edge_id, %%s::float AS fraction', %s::bigint, %s::float),
            -1, %s, directed => false, driving_side => 'b', details => false)
        WHERE node > 0""", (int(graph.edge_ids[sources.edge[i]]), float(sources.fraction[i]), limit_m)).fetchall()
    dist = np.full(graph.n_nodes, np.inf)
    index = {node_id: k for k, node_id in enumerate(graph.node_ids)}
    for node, cost in rows:
        dist[index[node]] = cost
    return dist


def test_stored_circle_equals_pgrouting_reach_buffered_by_shapely(demo, demo_graph) -> None:
    """Independent reference: pgRouting's distances, reached spans by hand, shapely buffer-union."""
    circle_store.recompute(demo, PARAMS, graph=demo_graph)
    stations = demo.execute("SELECT id, ST_X(geom), ST_Y(geom) FROM stations ORDER BY id LIMIT 3").fetchall()
    lon, lat = np.array([r[1] for r in stations]), np.array([r[2] for r in stations])
    sources = snap.snap(demo_graph, snap.lonlat_to_points(demo_graph, lon, lat))
    to_metric = demo_graph.to_metric()
    for i, (station_id, _, _) in enumerate(stations):
        dist = _pgrouting_node_distances(demo, demo_graph, sources, i, 1000.0)
        parts = []
        for e, (u, v, length, line) in enumerate(zip(demo_graph.u, demo_graph.v, demo_graph.length_m,
                                                     demo_graph.lines, strict=True)):
            du, dv = dist[u], dist[v]
            if du + dv + length <= 2000:
                parts.append(line)
                continue
            if du < 1000:
                parts.append(shapely.ops.substring(line, 0, (1000 - du) / length, normalized=True))
            if dv < 1000:
                parts.append(shapely.ops.substring(line, 1 - (1000 - dv) / length, 1, normalized=True))
            if e == sources.edge[i]:
                t = sources.offset_m[i]
                parts.append(shapely.ops.substring(line, max(0, t - 1000) / length, min(length, t + 1000) / length,
                                                   normalized=True))
        reference = shapely.union_all([p.buffer(25, quad_segs=4) for p in parts if p.length > 0])
        stored = shapely.from_wkb(demo.execute(
            "SELECT ST_AsBinary(geom) FROM walk_circles WHERE station_id = %s AND minutes = 15",
            (station_id,)).fetchone()[0])
        stored = shapely.transform(stored, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
        assert stored.symmetric_difference(reference).area < 1e-4 * reference.area


def test_access_counts_only_stations_open_at_the_hour(demo, demo_graph) -> None:
    day = access.recompute(demo, graph=demo_graph)
    night = access.recompute(demo, at=dt.time(23), graph=demo_graph)
    assert night.stations < day.stations
    stations_at_night = {r[0] for r in demo.execute("""
        SELECT DISTINCT s.is_24h OR (s.opens > s.closes) FROM building_access a
        JOIN stations s ON s.id = a.station_id WHERE a.run_id = %s""", (night.run_id,))}
    assert stations_at_night == {True}
    worse = demo.execute("""
        SELECT count(*) FILTER (WHERE n.distance_m < d.distance_m - 1e-6), count(*)
        FROM building_access d JOIN building_access n USING (building_id, station_kind)
        WHERE d.run_id = %s AND n.run_id = %s AND d.station_kind = '全部'""", (day.run_id, night.run_id)).fetchone()
    assert worse[0] == 0 and worse[1] > 0  # closing stations never brings anyone nearer


def test_access_per_kind_is_never_nearer_than_any_kind(demo, demo_graph) -> None:
    run = access.recompute(demo, graph=demo_graph)
    violations = demo.execute("""
        SELECT count(*) FROM building_access k JOIN building_access a USING (run_id, building_id)
        WHERE k.run_id = %s AND a.station_kind = '全部' AND k.station_kind <> '全部'
          AND k.distance_m < a.distance_m - 1e-6""", (run.run_id,)).fetchone()[0]
    assert violations == 0
