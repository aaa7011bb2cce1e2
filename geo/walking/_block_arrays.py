"""Array helpers of the blocks: runs and slices of coordinates, the blocks' sides found by
segment hashes, and GEOS's polygonize for networks whose lines cross without a node.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix

from geo.network.graph import WalkGraph


def ring_geoms(paths: list[np.ndarray], origin: np.ndarray) -> np.ndarray:
    """LinearRings of closed paths given from `origin`."""
    if not paths:
        return np.empty(0, dtype=object)
    return shapely.linearrings(np.concatenate(paths) + origin,
                               indices=np.repeat(np.arange(len(paths)), [len(p) for p in paths]))


def split(xy: np.ndarray, owner: np.ndarray, closed: bool = False) -> list[np.ndarray]:
    """Coordinates grouped by their (sorted) owner, one array each; `closed` rings lose their closing vertex."""
    start, end = owner_runs(owner)
    return slice_rows(xy, start, end - 1 if closed else end)


def owner_runs(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal (sorted) owners starts and ends."""
    if len(owner) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    cuts = np.flatnonzero(owner[1:] != owner[:-1]) + 1
    return np.r_[0, cuts], np.r_[cuts, len(owner)]


def transform_xy(to: Transformer, xy: np.ndarray) -> np.ndarray:
    """Coordinates (n × 2) transformed by `to`."""
    return np.column_stack(to.transform(xy[:, 0], xy[:, 1]))


def slice_rows(xy: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[np.ndarray]:
    """xy[start[i]:end[i]] for each i (views; faster than np.split for many small pieces)."""
    return [xy[a:b] for a, b in zip(start.tolist(), end.tolist(), strict=True)]


def line_arrays(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A local origin, the lines' coordinates from it, where each line's start in them, and
    each vertex's distance along all the lines, a metre between lines (see `Blocks`)."""
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    origin = np.floor(xy.min(axis=0))
    line_start = np.searchsorted(owner, np.arange(len(lines) + 1))
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    step[line_start[:-1]] = 1.0  # a gap between lines keeps the distances increasing
    return origin, xy - origin, line_start, np.cumsum(step)


def blocks_of_edges(sides: csr_matrix) -> np.ndarray:
    """Edges × 2: the blocks an edge is a side of (an edge lies along at most two), -1 for none."""
    by_edge = sides.T.tocsr()
    count = np.diff(by_edge.indptr)
    out = np.full((by_edge.shape[0], 2), -1, dtype=np.int64)
    out[count > 0, 0] = by_edge.indices[by_edge.indptr[:-1][count > 0]]
    out[count > 1, 1] = by_edge.indices[by_edge.indptr[:-1][count > 1] + 1]
    return out


def polygonized(graph: WalkGraph, edges: np.ndarray, noded: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The faces of these edges' lines by GEOS's polygonize (noded first if they cross
    without a node), counter-clockwise, and their sides as (face, edge) pairs: edges whose
    first segment is a segment of the face's outline and, if noded, that lie along it whole."""
    lines = graph.lines[edges]
    if noded:
        lines = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    faces = shapely.orient_polygons(shapely.get_parts(shapely.polygonize(lines)))
    sides = block_sides(faces, graph.lines, edges).tocoo()
    face, edge = sides.row, sides.col
    if noded:  # an edge's first segment may lie along a block while the edge, noded apart, leaves it
        along = shapely.relate_pattern(graph.lines[edge], faces[face], "F1F******")
        face, edge = face[along], edge[along]
    return faces, face, edge


def block_sides(faces: np.ndarray, lines: np.ndarray, edges: np.ndarray) -> csr_matrix:
    """Blocks × edges: which of `edges` (indices into `lines`) lie on each block's boundary.

    The blocks were polygonised from these very lines, so a side's first segment is a
    segment of the block's ring coordinate for coordinate: segments are matched by a hash
    of their coordinates' bits, then compared exactly.
    """
    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(faces), return_index=True)
    same = ring[1:] == ring[:-1]
    ring_ends = segment_ends(xy[:-1][same], xy[1:][same])
    ring_keys = segment_hash(ring_ends)
    order = np.argsort(ring_keys)
    line_xy, line = shapely.get_coordinates(lines[edges], return_index=True)
    first = np.searchsorted(line, np.arange(len(edges)))
    ends = segment_ends(line_xy[first], line_xy[first + 1])
    keys = segment_hash(ends)
    low = np.searchsorted(ring_keys, keys, side="left", sorter=order)
    high = np.searchsorted(ring_keys, keys, side="right", sorter=order)
    owner = np.repeat(np.arange(len(edges)), high - low)
    at = order[np.arange(len(owner)) + np.repeat(low - (np.cumsum(high - low) - (high - low)), high - low)]
    equal = np.all(ring_ends[at] == ends[owner], axis=1)
    return csr_matrix((np.ones(int(equal.sum()), dtype=np.int32), (ring[:-1][same][at[equal]], edges[owner[equal]])),
                      shape=(len(faces), len(lines)))


def segment_ends(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each segment (a[i], b[i]) as (x0, y0, x1, y1), the same whichever way it runs."""
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    return np.ascontiguousarray(np.where(swap[:, None], np.hstack([b, a]), np.hstack([a, b])))


def segment_hash(ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's four float64 (FNV-style: multiply, then xor; wraps around)."""
    bits = ends.view(np.uint64)
    key = np.full(len(bits), 14695981039346656037, dtype=np.uint64)
    for k in range(bits.shape[1]):
        key = (key ^ bits[:, k]) * np.uint64(1099511628211)
    return key
