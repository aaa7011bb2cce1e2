"""The union by sweeps on a 1 mm grid against GEOS's exact union."""

from __future__ import annotations

import numpy as np
import shapely

from geo.polygon_union import union
from tests.geo import networks


def test_nested_holes_islands_and_multipolygons_as_geos_has_them() -> None:
    frame = shapely.box(0, 0, 100, 100).difference(shapely.box(20, 20, 80, 80))  # a square ring
    island = shapely.MultiPolygon([shapely.box(40, 40, 60, 60), shapely.box(200, 0, 210, 10)])
    crossing = shapely.LineString([(90, 50), (150, 50)]).buffer(5, quad_segs=4)
    inputs = np.array([frame, island, crossing], dtype=object)
    got = shapely.multipolygons(union(inputs))
    exact = shapely.union_all(inputs)
    assert got.is_valid and networks.same_shape(got, exact)
    assert len(got.geoms) == 3 and networks.holes(got) == networks.holes(exact) == 1
    assert got.contains(shapely.Point(50, 50)) and not got.contains(shapely.Point(30, 30))


def test_many_overlapping_buffers_at_utm_coordinates() -> None:
    rng = np.random.default_rng(7)
    start = rng.uniform(0, 2000, (1000, 2)) + [689_000.0, 4_006_000.0]  # groups, merged over levels
    lines = shapely.linestrings(np.stack([start, start + rng.uniform(-60, 60, (1000, 2))], axis=1))
    buffers = shapely.buffer(lines, 25, quad_segs=4)
    got = shapely.multipolygons(union(buffers))
    exact = shapely.union_all(buffers)
    assert got.is_valid and networks.same_shape(got, exact)
    assert networks.holes(got) == networks.holes(exact)


def test_nothing_gives_nothing() -> None:
    assert len(union(np.empty(0, dtype=object))) == 0
