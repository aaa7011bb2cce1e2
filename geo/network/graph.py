"""The walking network in memory: a sparse graph in a metric CRS, from PostGIS or frames."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import psycopg
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix

from geo.coords import crs as crs_mod
from geo.db import sql as sql_file
from geo.errors import EmptyNetwork

# scipy.sparse.csgraph treats stored zeros as missing edges: zero-length edges get this (m).
MIN_EDGE_M = 1e-9



@dataclass(eq=False)
class WalkGraph:
    """An undirected walking network; node and edge arrays are aligned by index.

    `node_xy` and `lines` are in `crs` (metric, metres); `length_m` is each edge's
    walking length in metres (as stored, i.e. geodesic), used for every distance.
    `lines` run from node `u` to node `v`.
    """

    crs: CRS
    node_ids: np.ndarray
    node_xy: np.ndarray
    edge_ids: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    lines: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @cached_property
    def matrix(self) -> csr_matrix:
        """Symmetric adjacency (metres); parallel edges keep their shortest length."""
        return adjacency(self.n_nodes, self.u, self.v, self.length_m)

    @cached_property
    def incidence(self) -> csr_matrix:
        """Node-by-edge incidence, to find the edges touching a set of nodes."""
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([np.arange(len(self.u))] * 2)
        return csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(self.n_nodes, len(self.u)))

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index over the edge lines."""
        return shapely.STRtree(self.lines)

    @cached_property
    def to_storage(self) -> Transformer:
        """Transformer from this graph's metric CRS to EPSG:4326 (lon, lat)."""
        return Transformer.from_crs(self.crs, crs_mod.STORAGE_EPSG, always_xy=True)

    def to_metric(self) -> Transformer:
        """Transformer from EPSG:4326 (lon, lat) to this graph's metric CRS."""
        return Transformer.from_crs(crs_mod.STORAGE_EPSG, self.crs, always_xy=True)


def adjacency(n_nodes: int, u: np.ndarray, v: np.ndarray, length_m: np.ndarray) -> csr_matrix:
    """Symmetric sparse adjacency with the minimum length over parallel edges (metres)."""
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    weights = np.maximum(np.concatenate([length_m, length_m]), MIN_EDGE_M)
    order = np.lexsort((weights, cols, rows))  # shortest first within each (row, col)
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return csr_matrix((weights[first], (rows[first], cols[first])), shape=(n_nodes, n_nodes))


def from_arrays(node_ids: np.ndarray, node_lonlat: np.ndarray, edge_ids: np.ndarray, source: np.ndarray,
                target: np.ndarray, length_m: np.ndarray, lines_lonlat: np.ndarray,
                metric: CRS | None = None) -> WalkGraph:
    """Build a WalkGraph from EPSG:4326 nodes and edges; `metric` defaults to the data's UTM zone."""
    if len(edge_ids) == 0:
        raise EmptyNetwork("步行路网为空，请先导入 network_edges 图层")
    node_ids = np.asarray(node_ids, dtype=np.int64)
    order = np.argsort(node_ids)
    position = order[np.searchsorted(node_ids, source, sorter=order)], order[np.searchsorted(node_ids, target, sorter=order)]
    lon, lat = node_lonlat[:, 0], node_lonlat[:, 1]
    metric = metric or crs_mod.metric_crs((lon.min(), lat.min(), lon.max(), lat.max()))
    forward = Transformer.from_crs(crs_mod.STORAGE_EPSG, metric, always_xy=True)
    node_xy = np.column_stack(forward.transform(lon, lat))
    lines = shapely.transform(lines_lonlat, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))
    return WalkGraph(metric, node_ids, node_xy, np.asarray(edge_ids, dtype=np.int64),
                     position[0].astype(np.int64), position[1].astype(np.int64),
                     np.asarray(length_m, dtype=float), lines)


def load(conn: psycopg.Connection) -> WalkGraph:
    """The stored walking network (network_nodes, network_edges) as a WalkGraph."""
    nodes = conn.execute(sql_file("graph_nodes")).fetchall()
    node_ids = np.array([r[0] for r in nodes], dtype=np.int64)
    node_lonlat = np.array([(r[1], r[2]) for r in nodes], dtype=float).reshape(-1, 2)
    with ThreadPoolExecutor(1) as helper:  # PROJ's database lookup beside the edges' query (no GIL held)
        metric = helper.submit(lambda: crs_mod.metric_crs((*node_lonlat.min(axis=0), *node_lonlat.max(axis=0)))
                               if len(nodes) else None)
        edges = conn.execute(sql_file("graph_edges")).fetchall()
        if not edges:
            raise EmptyNetwork("步行路网为空，请先导入 network_edges 图层")
        edge_ids, source, target, length = (np.array([r[i] for r in edges]) for i in range(4))
        lines = shapely.from_wkb([bytes(r[4]) for r in edges])
        return from_arrays(node_ids, node_lonlat, edge_ids, source, target, length.astype(float), lines,
                           metric.result())
