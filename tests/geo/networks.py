"""Small hand-made walking networks in metres (UTM 49N), whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from geo.graph import WalkGraph

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
