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

from geo.walking._ranges import ranges


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
            nothing, none = np.empty(0, dtype=np.int64), np.full(2 * len(lines), -1)
            return Faces(np.empty(0, dtype=object), nothing, nothing, np.empty((0, 2)), none, none)
        following = _following(xy, first[keep], last[keep], u[keep], v[keep])
        if following is None:
            return None
        order, cycle = cycle_order(following)
        two_sided = cycle[0::2] == cycle[1::2]
        if not two_sided.any():
            break
        keep = keep[~two_sided]
    area = _shoelace(xy, first, last)[keep]
    signed = np.bincount(cycle, weights=np.column_stack([area, -area]).ravel())
    bounded = signed > 0
    half = order[bounded[cycle[order]]]  # the faces' half-edges, face by face, each as its face runs
    new = np.r_[True, cycle[half][1:] != cycle[half][:-1]]
    face = np.full(len(signed), -1)
    face[cycle[half][new]] = np.arange(new.sum())
    points, count = half_edge_points(xy, first, last, keep[half // 2] * 2 + half % 2)
    shift = shapely.get_coordinates(lines[:1])[0] - xy[0]
    rings = shapely.linearrings(points + shift, indices=np.repeat(face[cycle[half]], count))
    outer = np.flatnonzero(~bounded[cycle])
    outline = outer[np.unique(cycle[outer], return_index=True)[1]]  # a half-edge of each outline
    start = np.where(outline % 2 == 1, last[keep[outline // 2]], first[keep[outline // 2]])
    numbered = keep.repeat(2) * 2 + np.tile([0, 1], len(keep))  # the half-edges by all lines' numbers
    half_face, half_next = np.full(2 * len(lines), -1), np.full(2 * len(lines), -1)
    half_face[numbered], half_next[numbered] = face[cycle], numbered[following]
    return Faces(shapely.polygons(rings), face[cycle[half]], keep[half // 2], xy[start] + shift, half_face, half_next)


def cycle_order(successor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a permutation of 0..n-1 (`successor[i]` follows i): its elements cycle by cycle,
    each cycle from its lowest element in the order it runs, and each element's cycle (labelled
    by its lowest element). Pointer jumping: log2 of the longest cycle numpy steps."""
    n = len(successor)
    label, ahead = np.arange(n), successor.copy()
    for _ in range(max(n, 1).bit_length()):
        label = np.minimum(label, label[ahead])
        ahead = ahead[ahead]
    is_root = label == np.arange(n)
    ahead = np.where(is_root, np.arange(n), successor)
    steps = (~is_root).astype(np.int64)
    while True:
        further = steps[ahead]
        if not further.any():
            break
        steps += further
        ahead = ahead[ahead]
    size = np.bincount(label, minlength=n)[label]
    return np.lexsort(((size - steps) % size, label)), label


def half_edge_points(xy: np.ndarray, first: np.ndarray, last: np.ndarray, half: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of these half-edges (2i: line i from its first vertex, 2i + 1: back from
    its last; `first`/`last` index each line's vertices in `xy`), each but its last, in
    order, and how many each gives."""
    edge, backwards = half // 2, half % 2 == 1
    count = last[edge] - first[edge]
    start = np.where(backwards, last[edge], first[edge])
    at = ranges(np.zeros_like(count), count)  # each vertex's place in its half-edge
    return xy[np.repeat(start, count) + np.repeat(np.where(backwards, -1, 1), count) * at], count


class Faces(NamedTuple):
    """Faces (counter-clockwise Polygons), their sides as (face, line) pairs, a point on the
    outline of each separate part of the network (metric CRS), and for each half-edge
    (2i: line i from u, 2i + 1: back from v) its face and the half-edge after it round
    that face (-1: no face, or a line left out)."""

    polygons: np.ndarray
    side_face: np.ndarray
    side_line: np.ndarray
    islands: np.ndarray
    half_face: np.ndarray
    half_next: np.ndarray


def _following(xy: np.ndarray, first: np.ndarray, last: np.ndarray, u: np.ndarray, v: np.ndarray
               ) -> np.ndarray | None:
    """The half-edge following each round its face (half-edge 2i runs along line i from u,
    2i + 1 back from v), or None if two leave a node in the same direction."""
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
    return ccw[np.where(at > node_first[twin], at - 1, node_last[twin])]


def _shoelace(xy: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Twice the signed area each line adds to a ring run along it from its first vertex (m²)."""
    cross = xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]
    total = np.r_[0.0, np.cumsum(cross)]
    return total[last] - total[first]
