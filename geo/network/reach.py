"""Walking distances from points snapped onto the network (scipy's Dijkstra, in metres)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.sparse import csr_matrix, vstack
from scipy.sparse.csgraph import dijkstra

from geo.errors import BadRequest
from geo.network.graph import MIN_EDGE_M, WalkGraph
from geo.network.snap import Snapped

# Sources routed together; bounds memory to CHUNK × nodes distances (never sources × nodes).
CHUNK = 32


def with_sources(graph: WalkGraph, sources: Snapped) -> csr_matrix:
    """The graph plus one node per source (index n_nodes + i), joined to its edge's two ends.

    The extra links are one-way (source → end), so no route passes through a source.
    """
    n, s = graph.n_nodes, len(sources.edge)
    u, v = graph.u[sources.edge], graph.v[sources.edge]
    to_u = np.maximum(sources.offset_m, MIN_EDGE_M)
    to_v = np.maximum(graph.length_m[sources.edge] - sources.offset_m, MIN_EDGE_M)
    rows = np.repeat(np.arange(s), 2)
    cols = np.column_stack([u, v]).ravel()
    data = np.column_stack([to_u, to_v]).ravel()
    extra = csr_matrix((data, (rows, cols)), shape=(s, n + s))
    base = graph.matrix
    padded = csr_matrix((base.data, base.indices, base.indptr), shape=(n, n + s))
    return vstack([padded, extra], format="csr")


def distances_from(graph: WalkGraph, sources: Snapped, indices: np.ndarray,
                   limit_m: float) -> Iterator[tuple[int, np.ndarray]]:
    """For each source index in `indices`: the walking distance to every node (inf beyond limit)."""
    matrix = with_sources(graph, sources)
    n = graph.n_nodes
    for start in range(0, len(indices), CHUNK):
        block_indices = indices[start:start + CHUNK]
        block = dijkstra(matrix, directed=True, indices=n + block_indices, limit=limit_m)
        for row, i in enumerate(block_indices):
            yield int(i), block[row, :n]


def nearest_source(graph: WalkGraph, sources: Snapped) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source pass: each node's distance to its nearest source and that source's index.

    Nodes no source reaches get distance inf and source -1.
    """
    n = graph.n_nodes
    if len(sources.edge) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    matrix = with_sources(graph, sources)
    dist, _, origin = dijkstra(matrix, directed=True, indices=n + np.arange(len(sources.edge)),
                               min_only=True, return_predecessors=True)
    origin = origin[:n].astype(np.int64)
    return dist[:n], np.where(origin >= 0, origin - n, -1)


def to_points(graph: WalkGraph, node_dist: np.ndarray, node_source: np.ndarray, points: Snapped,
              sources: Snapped) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each snapped point to its nearest source, and that source's index.

    A point is reached through either end of its edge, or straight along the edge from a
    source on the same edge. Off-network points get inf and -1.
    """
    e = points.edge
    via_u = node_dist[graph.u[e]] + points.offset_m
    via_v = node_dist[graph.v[e]] + graph.length_m[e] - points.offset_m
    dist = np.minimum(via_u, via_v)
    source = np.where(via_u <= via_v, node_source[graph.u[e]], node_source[graph.v[e]])
    if len(sources.edge):
        by_edge = np.argsort(sources.edge, kind="stable")
        sorted_edges = sources.edge[by_edge]
        lo = np.searchsorted(sorted_edges, e, side="left")
        hi = np.searchsorted(sorted_edges, e, side="right")
        for i in np.flatnonzero(hi > lo):
            same = by_edge[lo[i]:hi[i]]
            direct = np.abs(sources.offset_m[same] - points.offset_m[i])
            best = int(np.argmin(direct))
            if direct[best] < dist[i]:
                dist[i], source[i] = direct[best], same[best]
    off = ~points.on_network
    dist[off], source[off] = np.inf, -1
    source[~np.isfinite(dist)] = -1
    return dist, source


def walking_pairs(graph: WalkGraph, demand: Snapped, sites: Snapped,
                  limit_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand index, site index, walking distance in metres) for every pair within `limit_m`.

    Distances run along the network between the snapped points (the straight gap from a
    point to its edge is not added, as in to_points): through either end of the
    demand point's edge, or straight along the edge when site and demand share it. One
    bounded Dijkstra per site (geo.network.reach.distances_from); never a dense demand × sites
    matrix. Points off the network cover nothing and are covered by nothing.
    """
    if not limit_m > 0:
        raise BadRequest("步行距离上限必须为正数（米）")
    on = np.flatnonzero(demand.on_network)
    e = demand.edge[on]
    du, dv = graph.u[e], graph.v[e]
    off_u = demand.offset_m[on]
    off_v = graph.length_m[e] - off_u
    by_edge = np.argsort(e, kind="stable")
    sorted_edges = e[by_edge]
    rows, cols, dists = [], [], []
    site_idx = np.flatnonzero(sites.on_network)
    for s, node_dist in distances_from(graph, sites, site_idx, limit_m):
        d = np.minimum(node_dist[du] + off_u, node_dist[dv] + off_v)
        lo = np.searchsorted(sorted_edges, sites.edge[s], side="left")
        hi = np.searchsorted(sorted_edges, sites.edge[s], side="right")
        if hi > lo:
            same = by_edge[lo:hi]
            d[same] = np.minimum(d[same], np.abs(off_u[same] - sites.offset_m[s]))
        hit = np.flatnonzero(d <= limit_m)
        rows.append(on[hit])
        cols.append(np.full(len(hit), s, dtype=np.int64))
        dists.append(d[hit])
    if not rows:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dists)


def walking_coverage(graph: WalkGraph, demand: Snapped, sites: Snapped, limit_m: float) -> csr_matrix:
    """Boolean CSR (n_demand, n_sites): site j within `limit_m` metres' walk of demand i (see walking_pairs)."""
    r, c, _ = walking_pairs(graph, demand, sites, limit_m)
    return csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(demand.edge), len(sites.edge)))
