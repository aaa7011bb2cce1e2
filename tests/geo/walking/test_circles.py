"""Walking circles and distances on hand-made networks whose answers are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from shapely import ops

from geo.coords.crs import to_ewkb
from geo.layers.stations import is_open
from geo.network import reach, snap
from geo.walking._pieces import LineCutter, Pieces, polygon, reached, substrings
from geo.walking.circles import WalkParams, circles, sources_blocks
from tests.geo import networks

PARAMS_1KM = WalkParams(minutes=(15,), speed_kmh=4.0, buffer_m=25.0)


def _circle(graph, station_xy, params=PARAMS_1KM):
    sources = snap.snap(graph, networks.points(station_xy))
    return list(circles(graph, sources, params))


def test_defaults_follow_gb_50180() -> None:
    params = WalkParams()
    assert params.minutes == (5.0, 10.0, 15.0)
    assert params.limit_m(15) == pytest.approx(1000)
    assert params.limit_m(10) == pytest.approx(666.7, abs=0.1)  # within the standard's 500-670 m
    assert params.limit_m(5) == pytest.approx(333.3, abs=0.1)  # about 300 m


def test_partial_edge_counts() -> None:
    # A - 600 m - B - 600 m - C; station at A: all of AB and 400 m of BC are within 1,000 m.
    graph = networks.graph([((0, 0), (600, 0)), ((600, 0), (1200, 0))])
    (circle,) = _circle(graph, (0, 0))
    assert circle.reached_length_m == pytest.approx(1000)
    assert networks.same_shape(circle.geom, networks.line((0, 0), (1000, 0)).buffer(25, quad_segs=4))


def test_station_mid_edge_walks_both_ways() -> None:
    graph = networks.graph([((0, 0), (3000, 0))])
    (circle,) = _circle(graph, (1500, 10))  # 10 m off the street, snapped onto it
    assert circle.reached_length_m == pytest.approx(2000)
    assert networks.same_shape(circle.geom, networks.line((500, 0), (2500, 0)).buffer(25, quad_segs=4))


def test_rings_nest_and_each_equals_its_own_buffer() -> None:
    graph = networks.graph([((0, 0), (2000, 0)), ((1000, 0), (1000, 800))])
    rings = _circle(graph, (0, 0), WalkParams())
    assert [c.minutes for c in rings] == [5, 10, 15]
    for small, large in zip(rings, rings[1:], strict=False):
        assert large.geom.contains(small.geom)
    # 15 min: 1,000 m along the main street; nothing up the side street at x = 1,000 m.
    assert networks.same_shape(rings[2].geom, networks.line((0, 0), (1000, 0)).buffer(25, quad_segs=4))


def test_fully_reached_loop_keeps_its_hole() -> None:
    # A 200 m square block: walking round it is 800 m; the block's inside stays a hole.
    square = [((0, 0), (200, 0)), ((200, 0), (200, 200)), ((200, 200), (0, 200)), ((0, 200), (0, 0))]
    (circle,) = _circle(networks.graph(square), (0, 0))
    (polygon,) = circle.geom.geoms
    assert len(polygon.interiors) == 1
    assert shapely.Polygon(polygon.interiors[0]).area == pytest.approx(150 * 150)


def test_block_with_an_island_street_is_built_from_its_buffers() -> None:
    # The same block with a path in its middle that no street joins: the block's hole has
    # an island (the path's buffer), so the block is never taken as full.
    square = [((0, 0), (200, 0)), ((200, 0), (200, 200)), ((200, 200), (0, 200)), ((0, 200), (0, 0))]
    graph = networks.graph([*square, ((90, 100), (110, 100))])
    sources = snap.snap(graph, networks.points((0, 0)))
    blocks = sources_blocks(graph, sources, PARAMS_1KM)
    blocks.complete()
    assert blocks.within[4] == 0 and not blocks.usable[0] and len(blocks.hole_ring_block) == 0
    (circle,) = _circle(graph, (0, 0))
    assert circle.reached_length_m == pytest.approx(800)  # the path is not reached
    assert networks.is_buffer(circle.geom, graph.lines[:4], 25) and networks.holes(circle.geom) == 1


def test_gated_compound_is_entered_only_through_its_gate() -> None:
    # Street along y = 0; a compound north of it whose only gate is 400 m east.
    # A building 30 m north of the station inside the compound is 400 + 400 + 30 m away on foot.
    segments = [((0, 0), (400, 0)),          # street from the station to the gate
                ((400, 0), (400, 30)),       # gate
                ((400, 30), (0, 30))]        # path inside the compound back west
    graph = networks.graph(segments)
    sources = snap.snap(graph, networks.points((0, -5)))
    buildings = snap.snap(graph, networks.points((0, 35)))
    node_dist, node_src = reach.nearest_source(graph, sources)
    dist, src = reach.to_points(graph, node_dist, node_src, buildings, sources)
    assert dist[0] == pytest.approx(830) and src[0] == 0
    (circle,) = _circle(graph, (0, -5), WalkParams(minutes=(9,), speed_kmh=4.0, buffer_m=10))  # 600 m
    assert circle.reached_length_m == pytest.approx(600)  # 400 + 30 + 170 of the inner path


def test_bridge_decides_who_is_near() -> None:
    # Two banks 100 m apart, one bridge at x = 1,000; the station is on the south bank at x = 0.
    graph = networks.graph([((0, 0), (1000, 0)), ((1000, 0), (1000, 100)), ((1000, 100), (0, 100))])
    sources = snap.snap(graph, networks.points((0, 0)))
    across = snap.snap(graph, networks.points((0, 100), (900, 100)))
    node_dist, node_src = reach.nearest_source(graph, sources)
    dist, _ = reach.to_points(graph, node_dist, node_src, across, sources)
    assert dist.tolist() == pytest.approx([2100, 1200])


def test_nearest_station_on_the_same_edge_is_reached_directly() -> None:
    graph = networks.graph([((0, 0), (1000, 0))])
    sources = snap.snap(graph, networks.points((700, 0), (100, 0)))
    buildings = snap.snap(graph, networks.points((650, 0), (0, 0), (2000, 5000)))
    node_dist, node_src = reach.nearest_source(graph, sources)
    dist, src = reach.to_points(graph, node_dist, node_src, buildings, sources)
    assert dist[:2].tolist() == pytest.approx([50, 100]) and src[:2].tolist() == [0, 1]
    assert np.isinf(dist[2]) and src[2] == -1  # 5 km off the network


@pytest.mark.parametrize(("hours", "at", "open_"), [
    ((False, dt.time(8), dt.time(20)), dt.time(19, 59), True),
    ((False, dt.time(8), dt.time(20)), dt.time(22), False),
    ((False, dt.time(20), dt.time(2)), dt.time(1), True),
    ((False, dt.time(20), dt.time(2)), dt.time(12), False),
    ((True, None, None), dt.time(3), True),
])
def test_opening_hours(hours: tuple, at: dt.time, open_: bool) -> None:
    assert is_open(*hours, at) is open_


def _lattice(n: int, step: float, seed: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """An n × n jittered street lattice (metres), some streets bent, a few missing, one dead end per row."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n) * step, np.arange(n) * step, indexing="ij"), axis=-1)
    xy += rng.uniform(-0.2 * step, 0.2 * step, xy.shape)
    segments = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n and rng.random() > 0.08:
                    a, b = tuple(xy[i, j]), tuple(xy[i + di, j + dj])
                    if rng.random() < 0.15:  # bent through a middle vertex: two segments here
                        mid = ((a[0] + b[0]) / 2 + rng.uniform(-6, 6), (a[1] + b[1]) / 2 + rng.uniform(-6, 6))
                        segments += [(a, mid), (mid, b)]
                    else:
                        segments.append((a, b))
        if 0 < i < n - 1:  # a dead end into the block north-east of (i, 1)
            segments.append((tuple(xy[i, 1]), tuple(xy[i, 1] + [0.3 * step, 0.4 * step])))
    return segments


@pytest.mark.parametrize("seed", [1, 2])
def test_blocks_give_the_plain_buffer_union_where_blocks_are_partly_reached(seed: int) -> None:
    # 20 × 20 streets 70 m apart: every ring ends inside the lattice, so many blocks are
    # reached only in part, and the blocks near the dead ends are not convex.
    graph = networks.graph(_lattice(20, 70.0, seed))
    sources = snap.snap(graph, networks.points((665, 660), (150, 1100), (1200, 150)))
    params = WalkParams()
    blocks = sources_blocks(graph, sources, params)
    assert blocks is not None and len(blocks.polygons) > 100
    blocks.complete(parts=3)
    cutters = blocks.relevant - blocks.sides - blocks.borders
    assert cutters.max() == 1 and cutters.min() == 0  # some holes are cut by lines other than their sides
    assert len(blocks.hole_ring_block) > 100
    assert np.allclose(blocks.hole_area, shapely.area(shapely.polygons(blocks.hole_rings(np.arange(len(blocks.hole_area))))))
    cutter = LineCutter(graph)
    for i, node_dist in reach.distances_from(graph, sources, np.arange(3), params.limit_m(15)):
        for minutes in params.minutes:
            pieces = reached(graph, node_dist, params.limit_m(minutes), int(sources.edge[i]),
                             float(sources.offset_m[i]))
            assert np.any(pieces.end_m - pieces.start_m < graph.length_m[pieces.edge])  # partly reached
            lines = cutter.lines(pieces)
            filled, plain = blocks.fill(pieces, cutter), polygon(lines, params.buffer_m)
            fast = blocks.shape(filled)
            assert fast.is_valid and plain.is_valid and filled.area_m2 == pytest.approx(fast.area, rel=1e-9)
            # the independent reference: exact distances and GEOS's fine buffers
            assert networks.is_buffer(fast, lines, params.buffer_m)
            assert networks.is_buffer(plain, lines, params.buffer_m)
            assert networks.holes(fast) == networks.holes(plain)
    # in EPSG:4326 (the holes transformed once, the rest per circle): the same polygons
    back = graph.to_metric()
    for metric, lonlat, encoded in zip(circles(graph, sources, params), circles(graph, sources, params, lonlat=True),
                                       circles(graph, sources, params, ewkb=True), strict=True):
        assert lonlat.area_m2 == metric.area_m2 == encoded.area_m2 and lonlat.geom.is_valid
        assert encoded.geom == to_ewkb(lonlat.geom, binary=True)  # the holes' rings encoded once
        assert shapely.transform(lonlat.geom, lambda xy: np.column_stack(back.transform(*xy.T))).equals_exact(
            metric.geom, tolerance=1e-6)


def test_pieces_are_cut_as_shapely_cuts_them() -> None:
    rng = np.random.default_rng(5)
    xy = np.cumsum(rng.uniform(-40, 60, (200, 5, 2)), axis=1)  # 200 lines of 4 bends each
    lines = shapely.linestrings(xy)
    start = rng.uniform(0, 0.6, 200)
    end = np.minimum(start + rng.uniform(0.001, 0.6, 200), 1.0)
    start[:20], end[20:40] = 0.0, 1.0  # cut at one end only
    cut = substrings(lines, start, end)
    for line, a, b, got in zip(lines, start, end, cut, strict=True):
        expected = ops.substring(line, a, b, normalized=True)
        assert got.hausdorff_distance(expected) < 1e-9 and abs(got.length - expected.length) < 1e-9


def test_blocks_cut_pieces_as_the_line_cutter_does() -> None:
    graph = networks.graph(_lattice(8, 70.0, 4))
    blocks = sources_blocks(graph, snap.snap(graph, networks.points((200, 200))), PARAMS_1KM)
    rng = np.random.default_rng(9)
    edge = rng.integers(0, len(graph.lines), 300)
    start = rng.uniform(0, 0.7, 300) * graph.length_m[edge]
    end = np.minimum(start + rng.uniform(0.01, 0.7, 300) * graph.length_m[edge], graph.length_m[edge])
    start[:30], end[30:60] = 0.0, graph.length_m[edge[30:60]]  # cut at one end only; some whole
    start[60:70], end[60:70] = 0.0, graph.length_m[edge[60:70]]
    pieces = Pieces(edge, start, end)
    cutter = LineCutter(graph)
    fast = blocks._paths(pieces, cutter)
    whole = (start <= 0) & (end >= graph.length_m[edge])
    expected = [*cutter.lines(Pieces(edge[whole], start[whole], end[whole])),
                *cutter.lines(Pieces(edge[~whole], start[~whole], end[~whole]))]
    for got, line in zip(fast, expected, strict=True):  # (the cutter may repeat an end vertex)
        got = shapely.LineString(got + blocks.origin)
        assert got.hausdorff_distance(line) < 1e-6 and abs(got.length - line.length) < 1e-6
