"""Buffers, unions and inward offsets by Clipper2 on a 1 mm grid, against exact distances and GEOS."""

from __future__ import annotations

import numpy as np
import shapely

from geo.walking._offset import GRID_M, _valid_polygons, arc_tolerance, buffer_union, buffered, cut, shrink
from tests.geo import networks


def test_a_straight_street_gets_geos_buffer_to_the_grid() -> None:
    line = networks.line((0, 0), (300, 40))
    (got,) = buffered(np.array([line]), 25)
    assert networks.same_shape(got, line.buffer(25, quad_segs=4))  # same caps, vertex for vertex


def test_bends_keep_a_vertex_on_the_arc_where_geos_cuts_a_chord() -> None:
    line = networks.line((0, 0), (100, 30), (180, 10))  # a 31° bend: GEOS joins it by one chord
    (got,) = buffered(np.array([line]), 25)
    geos = line.buffer(25, quad_segs=4)
    assert networks.is_buffer(got, np.array([line]), 25)
    assert got.buffer(GRID_M).contains(geos) and got.area > geos.area  # GEOS's chord sags 0.89 m inside the circle
    assert not networks.is_buffer(geos, np.array([line]), 25)


def test_many_crossing_streets_at_utm_coordinates() -> None:
    rng = np.random.default_rng(7)
    start = rng.uniform(0, 2000, (1000, 2)) + [689_000.0, 4_006_000.0]  # groups, merged over levels
    bend = start + rng.uniform(-60, 60, (1000, 2))
    lines = shapely.linestrings(np.stack([start, bend, bend + rng.uniform(-60, 60, (1000, 2))], axis=1))
    got = shapely.multipolygons(buffered(lines, 25))
    assert got.is_valid and networks.is_buffer(got, lines, 25)
    assert networks.holes(got) > 10


def test_grown_polygons_and_buffered_lines_are_one_union() -> None:
    # A 200 m square with a 100 m square hole, grown by 25 m, and a street leaving it to the east.
    origin = np.array([0.0, 0.0])
    shell = np.array([[0, 0], [200, 0], [200, 200], [0, 200]], dtype=float)
    hole = np.array([[50, 50], [50, 150], [150, 150], [150, 50]], dtype=float)
    street = np.array([[190, 100], [400, 100]], dtype=float)
    (got,) = buffer_union([shell, hole], [street], 25, origin)
    exact = shapely.Polygon(shell, [hole]).buffer(25, quad_segs=64).union(shapely.LineString(street).buffer(25))
    assert len(got.interiors) == 1 and shapely.Polygon(got.interiors[0]).area == 50 * 50
    assert abs(got.area - exact.area) < got.length * 25 * (1 - np.cos(np.pi / 16))


def test_shrink_and_cut_give_a_block_hole() -> None:
    # An L-shaped block: shrunk by 25 m, its hole rounds the inner corner; a dead end cuts it.
    block = np.array([[0, 0], [300, 0], [300, 100], [100, 100], [100, 300], [0, 300]], dtype=float)
    (ring,) = shrink(block, 25)
    got = shapely.Polygon(ring)
    exact = shapely.Polygon(block).buffer(-25, quad_segs=64)
    sagging = shapely.Polygon(block).buffer(-25 + arc_tolerance(25) + GRID_M, quad_segs=64)  # chords cut the arc
    assert got.covers(shapely.Polygon(block).buffer(-25 - GRID_M, quad_segs=64)) and sagging.covers(got)
    assert 0 < got.area - exact.area < got.length * arc_tolerance(25)
    left = shapely.multipolygons(cut([ring], [np.array([[0, 200], [60, 200]], dtype=float)], 25, np.zeros(2)))
    dead_end = shapely.LineString([(0, 200), (60, 200)])
    assert len(left.geoms) == 2  # the arm is cut in two
    assert left.distance(dead_end) > 25 - arc_tolerance(25) - GRID_M
    assert left.symmetric_difference(got.difference(dead_end.buffer(25, quad_segs=64))).area < \
        left.length * arc_tolerance(25)
    assert shrink(np.array([[0, 0], [40, 0], [40, 40], [0, 40]], dtype=float), 25) == []  # too narrow


def test_nothing_gives_nothing() -> None:
    assert len(buffered(np.empty(0, dtype=object), 25)) == 0
    assert len(buffered(np.array([networks.line((0, 0), (10, 0))]), 0)) == 0


def test_a_ring_road_inside_another_is_an_island_in_its_hole() -> None:
    def square(x: float, side: float) -> shapely.LineString:
        return networks.line((x, x), (x + side, x), (x + side, x + side), (x, x + side), (x, x))

    lines = np.array([square(0, 600), square(200, 200)])
    got = shapely.multipolygons(buffered(lines, 25))
    assert got.is_valid and networks.is_buffer(got, lines, 25)
    outer, inner = sorted(got.geoms, key=lambda p: -p.area)
    assert len(outer.interiors) == len(inner.interiors) == 1
    assert shapely.Polygon(outer.interiors[0]).contains(inner)


def test_a_ring_passing_a_vertex_twice_is_split_into_valid_polygons() -> None:
    # two squares touching at (2, 2), run as one ring: Clipper2 may give that, OGC does not take it
    figure_eight = np.array([[0, 0], [2, 0], [2, 2], [4, 2], [4, 4], [2, 4], [2, 2], [0, 2]], dtype=float)
    got = _valid_polygons([figure_eight], np.zeros(2))
    assert len(got) == 2 and shapely.is_valid(got).all() and shapely.area(got).tolist() == [4.0, 4.0]
