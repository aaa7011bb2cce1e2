"""Reached street pieces: which parts of which edges a walk reaches, cut out as lines, buffered.

A walking circle's polygon is defined here (`polygon`): the reached pieces buffered and
unioned. geo.walking._blocks builds the same polygon faster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.network.graph import WalkGraph
from geo.walking._offset import buffered
from geo.walking._ranges import ranges


@dataclass(frozen=True)
class Pieces:
    """Stretches of edges reached: edge index and the reached span [start_m, end_m] from u."""

    edge: np.ndarray
    start_m: np.ndarray
    end_m: np.ndarray

    @property
    def length_m(self) -> float:
        """Total reached street length in metres (spans on one edge never overlap)."""
        return float(np.sum(self.end_m - self.start_m))


def reached(graph: WalkGraph, node_dist: np.ndarray, limit_m: float, own_edge: int, own_offset_m: float) -> Pieces:
    """Every part of every edge within `limit_m` of a source, partial edges included.

    An edge (u, v, L) is reached whole when du + dv + L ≤ 2·limit (its farthest point is
    then within the limit); otherwise the spans [0, limit − du] and [L − (limit − dv), L].
    The source's own edge also gets the span within the limit on either side of it.
    """
    nodes = np.flatnonzero(node_dist <= limit_m)
    start = graph.incidence.indptr[nodes]
    count = graph.incidence.indptr[nodes + 1] - start
    touching = np.zeros(len(graph.u), dtype=bool)  # a mask, not np.unique: cheaper for a few thousand
    touching[graph.incidence.indices[ranges(start, count)]] = True
    edges = np.flatnonzero(touching)
    du, dv, length = node_dist[graph.u[edges]], node_dist[graph.v[edges]], graph.length_m[edges]
    whole = du + dv + length <= 2 * limit_m
    from_u = ~whole & (du < limit_m)
    from_v = ~whole & (dv < limit_m)
    own_length = graph.length_m[own_edge]
    edge = np.concatenate([edges[whole], edges[from_u], edges[from_v]])
    start = np.concatenate([np.zeros(whole.sum()), np.zeros(from_u.sum()), length[from_v] - (limit_m - dv[from_v])])
    end = np.concatenate([length[whole], limit_m - du[from_u], length[from_v]])
    own = edge == own_edge
    spans = _merge([(a, b) for a, b in zip(start[own], end[own], strict=True)]
                   + [(max(0.0, own_offset_m - limit_m), min(own_length, own_offset_m + limit_m))])
    edge = np.concatenate([edge[~own], np.full(len(spans), own_edge)])
    start = np.concatenate([start[~own], [a for a, _ in spans]])
    end = np.concatenate([end[~own], [b for _, b in spans]])
    keep = end > start
    return Pieces(edge[keep].astype(np.int64), start[keep], np.minimum(end[keep], graph.length_m[edge[keep]]))


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals on one edge (metres), as disjoint sorted intervals."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


@dataclass
class LineCutter:
    """Cuts edge lines into reached spans, all pieces at once."""

    graph: WalkGraph

    def lines(self, pieces: Pieces) -> np.ndarray:
        """Each piece's part of its edge's line (metric CRS); whole edges are the lines themselves."""
        length = self.graph.length_m[pieces.edge]
        safe = np.where(length > 0, length, 1.0)
        f0, f1 = pieces.start_m / safe, pieces.end_m / safe
        out = self.graph.lines[pieces.edge].copy()
        partial = (f0 > 0) | (f1 < 1)
        if partial.any():
            out[partial] = substrings(out[partial], f0[partial], f1[partial])
        return out


def substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The part of each line between the fractions `start` < `end` of its length, as
    shapely.ops.substring(normalized=True) cuts it: the two cut points and the vertices
    between them."""
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    first = np.searchsorted(owner, np.arange(len(lines)))
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    step[first] = 0.0
    along = np.cumsum(step)
    along -= along[first][owner]
    total = shapely.length(lines)
    d0, d1 = start * total, end * total
    inner = (along > d0[owner]) & (along < d1[owner])
    ends = np.arange(len(lines))
    points = np.concatenate([shapely.get_coordinates(shapely.line_interpolate_point(lines, d0)), xy[inner],
                             shapely.get_coordinates(shapely.line_interpolate_point(lines, d1))])
    which = np.concatenate([ends, owner[inner], ends])
    order = np.lexsort((np.concatenate([np.full(len(lines), -np.inf), along[inner], np.full(len(lines), np.inf)]),
                        which))
    return shapely.linestrings(points[order], indices=which[order])


def polygon(lines: np.ndarray, buffer_m: float) -> shapely.MultiPolygon:
    """The lines (metric CRS) buffered by `buffer_m` and unioned (on `GRID_M`); holes kept.

    This is the definition of a circle's polygon; `Blocks.fill` builds the same
    faster (`geo.walking._offset.buffered`: round caps and joins, QUAD_SEGS per quarter circle).
    """
    return shapely.multipolygons(buffered(lines, buffer_m))
