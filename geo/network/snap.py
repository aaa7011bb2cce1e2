"""Snap points onto the walking network: the nearest point on the nearest edge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.network.graph import WalkGraph

# Points farther than this from every edge (metres) are treated as off the network.
MAX_SNAP_M = 500.0


@dataclass(frozen=True)
class Snapped:
    """Where each point meets the network.

    `edge` indexes the graph's edges; `offset_m` is the walking distance from the edge's
    `u` end to the snapped point (fraction of the edge × its length_m, as pgRouting's
    withPoints functions count it); `distance_m` is the straight gap from the point
    to the edge; `on_network` is False where that gap exceeds the snapping limit.
    """

    edge: np.ndarray
    fraction: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    on_network: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)

    def take(self, index: np.ndarray) -> Snapped:
        """The points at `index` (integer indices or a boolean mask), in that order."""
        return Snapped(self.edge[index], self.fraction[index], self.offset_m[index], self.distance_m[index],
                       self.on_network[index])


def snap(graph: WalkGraph, points_xy: np.ndarray, *, max_snap_m: float = MAX_SNAP_M) -> Snapped:
    """Snap points given in the graph's metric CRS (shapely Points, metres)."""
    points = np.asarray(points_xy, dtype=object)
    if len(points) == 0:
        empty = np.array([], dtype=float)
        return Snapped(np.array([], dtype=np.int64), empty, empty, empty, np.array([], dtype=bool))
    (point_index, edge), distance = graph.tree.query_nearest(points, return_distance=True, all_matches=False)
    order = np.argsort(point_index)
    edge, distance = edge[order], distance[order]
    fraction = shapely.line_locate_point(graph.lines[edge], points, normalized=True)
    fraction = np.nan_to_num(fraction, nan=0.0)  # zero-length edges
    return Snapped(edge.astype(np.int64), fraction, fraction * graph.length_m[edge], distance,
                   distance <= max_snap_m)


def lonlat_to_points(graph: WalkGraph, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """EPSG:4326 coordinates (degrees) as shapely Points in the graph's metric CRS."""
    x, y = graph.to_metric().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return shapely.points(x, y)
