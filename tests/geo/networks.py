"""Small hand-made walking networks in metres (UTM 49N), whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from geo.network.graph import WalkGraph
from geo.walking._offset import GRID_M, QUAD_SEGS

UTM = CRS.from_epsg(32649)
ORIGIN = (688_000.0, 4_006_000.0)  # in Changzhi


def graph(segments: list[tuple[tuple[float, float], tuple[float, float]]]) -> WalkGraph:
    """A WalkGraph from straight segments given in metres from ORIGIN; nodes at shared ends."""
    ox, oy = ORIGIN
    ends = np.array([[a, b] for a, b in segments], dtype=float) + np.array([ox, oy])
    points = ends.reshape(-1, 2)
    unique, inverse = np.unique(points.round(6), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1, 2)
    lines = shapely.linestrings(ends)
    return WalkGraph(UTM, np.arange(1, len(unique) + 1), unique, np.arange(1, len(segments) + 1),
                     inverse[:, 0].astype(np.int64), inverse[:, 1].astype(np.int64),
                     shapely.length(lines), lines)


def points(*xy: tuple[float, float]) -> np.ndarray:
    """Shapely points given in metres from ORIGIN."""
    ox, oy = ORIGIN
    return shapely.points([(x + ox, y + oy) for x, y in xy])


def line(*xy: tuple[float, float]) -> shapely.LineString:
    """A line given in metres from ORIGIN."""
    ox, oy = ORIGIN
    return shapely.LineString([(x + ox, y + oy) for x, y in xy])


# Where two buffer edges cross at a shallow angle, rounding them to the grid moves their
# crossing along them by up to grid / sin(angle), and a notch narrower than the grid closes
# (its tip was up to 8 cm deep on the bench network): a vertex may lie this far off.
CROSSING_SHIFT_M = 0.1


def same_shape(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Whether two polygons agree as a union on the grid (`GRID_M`) agrees with the exact one.

    The area between them is no more than their boundary's length times the grid step,
    and every vertex of each lies within CROSSING_SHIFT_M of the other's boundary.
    """
    return (a.hausdorff_distance(b) <= CROSSING_SHIFT_M
            and a.symmetric_difference(b).area <= max(a.boundary.length, b.boundary.length) * GRID_M)


def holes(polygons: shapely.Geometry) -> int:
    """Number of interior rings of a Polygon or MultiPolygon."""
    return int(shapely.get_num_interior_rings(shapely.get_parts(polygons)).sum())


# Round caps and joins are polygons with their vertices on the circle, QUAD_SEGS per quarter:
# between two vertices the outline sags inside the circle by this much (× buffer).
SAG = 1 - np.cos(np.pi / 4 / QUAD_SEGS)
# GEOS simplifies a line by up to this much (× buffer) before buffering it.
GEOS_SIMPLIFY = 0.01
# GEOS's fine buffers for the reference: the true circle within 0.3 ‰ of the radius.
FINE_QUAD_SEGS = 32


def is_buffer(geom: shapely.Geometry, lines: np.ndarray, buffer_m: float) -> bool:
    """Whether `geom` is the union of `lines` buffered by `buffer_m` with round caps and joins
    (vertices on the circle, QUAD_SEGS per quarter), up to the grid: an independent check
    on exact distances and GEOS.

    Every vertex of its outline lies between buffer × (1 − SAG) and the buffer from the
    lines (exact distances, up to rounding to the grid); it covers GEOS's fine buffer by buffer × (1 − SAG −
    GEOS_SIMPLIFY) and lies within the fine buffer by buffer × (1 + GEOS_SIMPLIFY + SAG of
    the fine arcs), so no hole is missing and none is made up.
    """
    outline = shapely.get_coordinates(geom.boundary)
    _, distance = shapely.STRtree(lines).query_nearest(shapely.points(outline), return_distance=True,
                                                        all_matches=False)
    fine_sag = 1 - np.cos(np.pi / 4 / FINE_QUAD_SEGS)
    inner = shapely.union_all(shapely.buffer(lines, buffer_m * (1 - SAG - GEOS_SIMPLIFY), quad_segs=FINE_QUAD_SEGS))
    outer = shapely.union_all(shapely.buffer(lines, buffer_m * (1 + GEOS_SIMPLIFY + fine_sag),
                                             quad_segs=FINE_QUAD_SEGS))
    slack = geom.boundary.length * GRID_M
    # the lines' vertices and the outline's are rounded to the grid; where two outlines cross
    # at a shallow angle, their crossing moves along them by more
    rounding = 5 * GRID_M
    return bool(distance.min() >= buffer_m * (1 - SAG) - rounding and distance.max() <= buffer_m + rounding
                and inner.difference(geom).area <= slack and geom.difference(outer).area <= slack)
