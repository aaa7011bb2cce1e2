"""Walking-network topology: node ids from edge end points, and edge lengths in metres."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

# End points closer than this (degrees, about 1 cm) are the same node.
NODE_SNAP_DEG = 1e-7
_GEOD = Geod(ellps="WGS84")


def geodesic_lengths_m(lines: np.ndarray) -> np.ndarray:
    """Length of each EPSG:4326 LineString along the WGS 84 ellipsoid, in metres."""
    return np.array([_GEOD.geometry_length(line) for line in lines], dtype=float)


def build_nodes(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number the distinct end points of `lines` (EPSG:4326) 1..N.

    Returns (source ids, target ids, node points). Lines must already be split at every
    junction (noded), as OpenStreetMap-derived and CAD-derived networks usually are.
    """
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    keys = np.round(np.vstack([starts, ends]) / NODE_SNAP_DEG).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    coords = np.vstack([starts, ends])[first]
    ids = inverse.reshape(-1) + 1
    count = len(lines)
    return ids[:count], ids[count:], shapely.points(coords)
