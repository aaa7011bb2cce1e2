"""The faces (city blocks) of a planar street network, traced round its nodes.

In a network whose lines meet only at their end nodes, the blocks are the cycles of
half-edges: arriving at a node along a street, the block on the left continues along
the next street clockwise. Sorting every node's streets by angle gives all blocks at
once, with the streets along each: no noding and no overlay, unlike GEOS's polygonize
(the same blocks, several times slower, and their sides still to be matched).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


def trace(lines: np.ndarray, u: np.ndarray, v: np.ndarray) -> Faces | None:
    """The bounded faces of `lines` (metric CRS) running from node `u` to node `v`, each
    line meeting the others only at its ends.

    Lines with the same cycle on both sides (dead ends, bridges) are left out, as
    polygonize leaves them out. A face with a separate part of the network inside it
    comes without that part as a hole: `islands` has a point of each part's outline.
    None if two lines leave a node in the same direction (the faces between them would
    be empty).
    """
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    xy = xy - xy.min(axis=0)  # small numbers for the areas
    first = np.searchsorted(owner, np.arange(len(lines)))
    last = np.r_[first[1:], len(xy)] - 1
    keep = np.arange(len(lines))
    for _ in range(2):  # once more without the lines found on both sides of one cycle
        if len(keep) == 0:  # a forest: no face
            nothing = np.empty(0, dtype=np.int64)
            return Faces(np.empty(0, dtype=object), nothing, nothing, np.empty((0, 2)))
        traced = _cycles(xy, first[keep], last[keep], u[keep], v[keep])
        if traced is None:
            return None
        cycle, following = traced
        two_sided = cycle[0::2] == cycle[1::2]
        if not two_sided.any():
            break
        keep = keep[~two_sided]
    area = _shoelace(xy, first, last)[keep]
    signed = np.bincount(cycle, weights=np.column_stack([area, -area]).ravel())
    bounded = signed > 0
    face = np.full(len(signed), -1)
    face[bounded] = np.arange(bounded.sum())
    half = np.flatnonzero(bounded[cycle])
    order = _walk(following, cycle, half)
    edge, backwards = keep[order // 2], order % 2 == 1
    count = last[edge] - first[edge]  # each half-edge gives its line's vertices but the last
    step = np.where(backwards, -1, 1)
    start = np.where(backwards, last[edge], first[edge])
    at = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    points = xy[np.repeat(start, count) + np.repeat(step, count) * at]
    shift = shapely.get_coordinates(lines[:1])[0] - xy[0]
    rings = shapely.linearrings(points + shift, indices=np.repeat(face[cycle[order]], count))
    outer = np.flatnonzero(~bounded[cycle])
    outline = outer[np.unique(cycle[outer], return_index=True)[1]]  # a half-edge of each outline
    start = np.where(outline % 2 == 1, last[keep[outline // 2]], first[keep[outline // 2]])
    return Faces(shapely.polygons(rings), face[cycle[half]], keep[half // 2], xy[start] + shift)


class Faces(NamedTuple):
    """Faces (counter-clockwise Polygons), their sides as (face, line) pairs, and a point on
    the outline of each separate part of the network (metric CRS)."""

    polygons: np.ndarray
    side_face: np.ndarray
    side_line: np.ndarray
    islands: np.ndarray


def _cycles(xy: np.ndarray, first: np.ndarray, last: np.ndarray, u: np.ndarray, v: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """Each half-edge's cycle and the half-edge following it (half-edge 2i runs along line
    i from u, 2i + 1 back from v), or None if two leave a node in the same direction."""
    origin = np.column_stack([u, v]).ravel()
    ahead = np.stack([xy[first + 1] - xy[first], xy[last - 1] - xy[last]], axis=1).reshape(-1, 2)
    angle = np.arctan2(ahead[:, 1], ahead[:, 0])
    ccw = np.lexsort((angle, origin))
    same = (origin[ccw][1:] == origin[ccw][:-1]) & (angle[ccw][1:] == angle[ccw][:-1])
    if same.any():
        return None
    position = np.empty_like(ccw)
    position[ccw] = np.arange(len(ccw))
    node_first = np.searchsorted(origin[ccw], origin[ccw], side="left")[position]
    node_last = np.searchsorted(origin[ccw], origin[ccw], side="right")[position] - 1
    twin = np.arange(len(ccw)) ^ 1
    # arriving along h, the face on the left goes on along the street next clockwise from h's twin
    at = position[twin]
    following = ccw[np.where(at > node_first[twin], at - 1, node_last[twin])]
    links = csr_matrix((np.ones(len(ccw), dtype=np.int8), (np.arange(len(ccw)), following)),
                       shape=(len(ccw), len(ccw)))
    return connected_components(links, directed=True, connection="weak")[1], following


def _shoelace(xy: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Twice the signed area each line adds to a ring run along it from its first vertex (m²)."""
    cross = xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]
    total = np.r_[0.0, np.cumsum(cross)]
    return total[last] - total[first]


def _walk(following: np.ndarray, cycle: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The half-edges `half` (whole cycles) in the order their cycles run, cycle by cycle in
    the order of `cycle`'s numbers (list ranking by pointer jumping: each half-edge's
    steps to its cycle's lowest-numbered one)."""
    root = np.full(cycle.max() + 1, len(following))
    np.minimum.at(root, cycle, np.arange(len(following)))
    is_root = root[cycle] == np.arange(len(following))
    ahead = np.where(is_root, np.arange(len(following)), following)
    steps = (~is_root).astype(np.int64)
    while True:
        further = steps[ahead]
        if not further.any():
            break
        steps += further
        ahead = ahead[ahead]
    size = np.bincount(cycle)[cycle]
    return half[np.lexsort(((size - steps)[half] % size[half], cycle[half]))]
