"""Reached street pieces: which parts of which edges a walk reaches, cut out as lines, buffered.

A walking circle's polygon is defined here (`polygon`): the reached pieces buffered and
unioned. geo.circle_blocks builds the same polygon faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely import ops

from geo.graph import WalkGraph
from geo.polygon_union import union

# Segments per quarter circle in buffers: 4 keeps round ends within 2 % of the radius.
BUFFER_QUAD_SEGS = 4


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
    edges = np.unique(graph.incidence[nodes].indices)
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
    """Cuts edge lines into reached spans; straight two-point edges are cut vectorised."""

    graph: WalkGraph

    @cached_property
    def straight(self) -> np.ndarray:
        return shapely.get_num_coordinates(self.graph.lines) == 2

    def lines(self, pieces: Pieces) -> np.ndarray:
        graph = self.graph
        length = graph.length_m[pieces.edge]
        safe = np.where(length > 0, length, 1.0)
        f0, f1 = pieces.start_m / safe, pieces.end_m / safe
        out = graph.lines[pieces.edge].copy()
        partial = (f0 > 0) | (f1 < 1)
        straight = partial & self.straight[pieces.edge]
        if straight.any():
            lines = graph.lines[pieces.edge[straight]]
            a = shapely.line_interpolate_point(lines, f0[straight], normalized=True)
            b = shapely.line_interpolate_point(lines, f1[straight], normalized=True)
            out[straight] = shapely.linestrings(
                np.stack([shapely.get_coordinates(a), shapely.get_coordinates(b)], axis=1))
        for i in np.flatnonzero(partial & ~self.straight[pieces.edge]):
            out[i] = ops.substring(out[i], f0[i], f1[i], normalized=True)
        return out


def polygon(lines: np.ndarray, buffer_m: float) -> shapely.MultiPolygon:
    """The lines (metric CRS) buffered by `buffer_m` and unioned (on `GRID_M`); holes kept.

    This is the definition of a circle's polygon; `Blocks.polygon` builds the same
    faster. Each line is buffered on its own (GEOS), then all are unioned by sweeps
    (`geo.polygon_union`).
    """
    return shapely.multipolygons(union(shapely.buffer(lines, buffer_m, quad_segs=BUFFER_QUAD_SEGS)))
