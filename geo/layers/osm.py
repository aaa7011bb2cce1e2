"""Import an OpenStreetMap .pbf walking network (read with pyrosm) into network_nodes/network_edges."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.coords.crs import STORAGE_EPSG, to_ewkb
from geo.errors import ImportRejected, Problem
from geo.layers import _topology as topology
from geo.progress import Progress

NETWORK_TYPE = "walking"
SOURCE_CRS = f"EPSG:{STORAGE_EPSG}"
# The layer the imports log names for a network import (nodes come with the edges).
LOG_LAYER = "network_edges"
# An edge end farther than this from its OSM node (degrees, about 1 cm) is not at that node.
END_MATCH_DEG = topology.NODE_SNAP_DEG
# network_edges.kind for a way without a highway tag (cannot happen with pyrosm's walking filter).
DEFAULT_KIND = "path"
# pyrosm's UserWarning for an area without ways: we raise ImportRejected instead.
EMPTY_AREA_WARNING = "Could not find any edges"


@dataclass
class Network:
    """A checked walking network: node ids (OSM ids) and positions, edges from `source` to `target`.

    Edge arrays are aligned; `length_m` is geodesic (WGS 84) in metres; `dropped` counts the
    edges removed by each check, `nodes_dropped` the nodes read but not kept.
    """

    node_ids: np.ndarray
    node_points: np.ndarray
    source: np.ndarray
    target: np.ndarray
    lines: np.ndarray
    length_m: np.ndarray
    kind: np.ndarray
    attrs: list[str]
    edges_read: int
    dropped: dict[str, int] = field(default_factory=dict)
    nodes_dropped: int = 0


def import_pbf(conn: psycopg.Connection, path: Path, *,
               bounding_box: tuple[float, float, float, float] | None = None,
               progress: Progress | None = None) -> tuple[int, int]:
    """Replace the stored walking network with the one in the .pbf file at `path`.

    `bounding_box` is (west, south, east, north) in degrees (EPSG:4326). Runs inside the
    caller's transaction (as a savepoint: all or nothing) and logs the import in `imports`.
    Returns (edges loaded, nodes loaded).
    """
    step = progress or (lambda *_: None)
    nodes, edges = read_pbf(path, bounding_box)
    step("读取", 1, 3)
    net = build_network(nodes, edges, source=str(path))
    step("拓扑", 2, 3)
    with conn.transaction():
        conn.execute("DELETE FROM network_edges")
        conn.execute("DELETE FROM network_nodes")
        with conn.cursor().copy("COPY network_nodes (id, geom) FROM STDIN") as copy:
            for node_id, point in zip(net.node_ids.tolist(), to_ewkb(net.node_points), strict=True):
                copy.write_row((node_id, point))
        columns = "id, source, target, kind, length_m, attrs, geom"
        with conn.cursor().copy(f"COPY network_edges ({columns}) FROM STDIN") as copy:
            rows = zip(net.source.tolist(), net.target.tolist(), net.kind.tolist(), net.length_m.tolist(),
                       net.attrs, to_ewkb(net.lines), strict=True)
            for edge_id, row in enumerate(rows, start=1):
                copy.write_row((edge_id, *row))
        conn.execute(
            "INSERT INTO imports (layer, source, source_crs, mode, rows_read, rows_loaded, problems) "
            "VALUES (%s, %s, %s, 'replace', %s, %s, %s)",
            (LOG_LAYER, str(path), SOURCE_CRS, net.edges_read, len(net.source),
             json.dumps([p.as_dict() for p in _problems(net, str(path))], ensure_ascii=False)))
    step("写入", 3, 3)
    return len(net.source), len(net.node_ids)


def read_pbf(path: Path, bounding_box: tuple[float, float, float, float] | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """pyrosm's walking network of the file: (nodes with id/lon/lat, edges split at every node)."""
    import pyrosm  # optional dependency, needed only to import OpenStreetMap extracts

    with warnings.catch_warnings():
        # pyrosm warns (UserWarning) when the area holds no ways; we reject the import instead.
        warnings.filterwarnings("ignore", message=EMPTY_AREA_WARNING, category=UserWarning)
        osm = pyrosm.OSM(str(path), bounding_box=list(bounding_box) if bounding_box else None)
        nodes, edges = osm.get_network(network_type=NETWORK_TYPE, nodes=True)
    if edges is None or nodes is None or len(edges) == 0:
        raise ImportRejected([Problem(str(path), "文件（或所选范围）中没有步行道路")])
    return nodes, edges


def build_network(nodes: pd.DataFrame, edges: pd.DataFrame, source: str = "") -> Network:
    """Check and fix pyrosm's edges; keep the largest connected component (`source` names the file)."""
    dropped: dict[str, int] = {}

    def check(keep: np.ndarray, passes: np.ndarray, reason: str) -> np.ndarray:
        dropped[reason] = dropped.get(reason, 0) + int((keep & ~passes).sum())
        return keep & passes

    node_ids = nodes["id"].to_numpy(dtype=np.int64)
    order = np.argsort(node_ids)
    node_ids, node_lonlat = node_ids[order], nodes[["lon", "lat"]].to_numpy(dtype=float)[order]
    u, v = edges["u"].to_numpy(dtype=np.int64), edges["v"].to_numpy(dtype=np.int64)
    ui, vi = (np.minimum(np.searchsorted(node_ids, x), len(node_ids) - 1) for x in (u, v))
    keep = check(np.ones(len(u), dtype=bool), (node_ids[ui] == u) & (node_ids[vi] == v), "端点节点缺失")
    keep = check(keep, u != v, "自环")

    lines = np.asarray(edges.geometry.to_numpy(), dtype=object)
    multi = shapely.get_type_id(lines) == shapely.GeometryType.MULTILINESTRING
    lines[multi] = shapely.line_merge(lines[multi])  # a way in pieces that join end to end
    keep = check(keep, shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING, "几何不是单条线")
    start, end = np.full((len(u), 2), np.nan), np.full((len(u), 2), np.nan)
    start[keep] = shapely.get_coordinates(shapely.get_point(lines[keep], 0))
    end[keep] = shapely.get_coordinates(shapely.get_point(lines[keep], -1))

    def near(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs(a - b).max(axis=1) <= END_MATCH_DEG

    forward = near(start, node_lonlat[ui]) & near(end, node_lonlat[vi])
    backward = keep & ~forward & near(start, node_lonlat[vi]) & near(end, node_lonlat[ui])
    lines[backward] = shapely.reverse(lines[backward])  # every line runs from u to v
    keep = check(keep, forward | backward, "几何端点与节点不符")

    length = np.zeros(len(u))
    length[keep] = topology.geodesic_lengths_m(lines[keep])
    keep = check(keep, length > 0, "长度为零")
    if not keep.any():
        raise ImportRejected([Problem(source, f"没有可用的步行道路（{dropped}）")])

    # Largest connected component, over the nodes the remaining edges use.
    used, inverse = np.unique(np.concatenate([ui[keep], vi[keep]]), return_inverse=True)
    n_kept = int(keep.sum())
    pairs = (inverse[:n_kept], inverse[n_kept:])
    adjacency = coo_matrix((np.ones(n_kept), pairs), shape=(len(used), len(used)))
    _, label = connected_components(adjacency, directed=False)
    largest = np.argmax(np.bincount(label))
    in_largest = np.zeros(len(u), dtype=bool)
    in_largest[keep] = label[pairs[0]] == largest
    keep = check(keep, in_largest, "不在最大连通分量")

    nodes_kept = used[label == largest]
    kind = edges["highway"].to_numpy(dtype=object, na_value=None)[keep]
    return Network(
        node_ids=node_ids[nodes_kept], node_points=shapely.points(node_lonlat[nodes_kept]),
        source=u[keep], target=v[keep], lines=lines[keep], length_m=length[keep],
        kind=np.array([k or DEFAULT_KIND for k in kind], dtype=object),
        attrs=_attrs(edges, keep), edges_read=len(u), dropped={k: n for k, n in dropped.items() if n},
        nodes_dropped=len(node_ids) - len(nodes_kept))


def _attrs(edges: pd.DataFrame, keep: np.ndarray) -> list[str]:
    """The OSM way id and name of each kept edge, as JSON text."""
    way = edges["id"].to_numpy(dtype=object, na_value=None)[keep] if "id" in edges else [None] * int(keep.sum())
    name = edges["name"].to_numpy(dtype=object, na_value=None)[keep] if "name" in edges else [None] * len(way)
    out = []
    for w, n in zip(way, name, strict=True):
        attrs = {"osm_way_id": int(w)} if w is not None else {}
        if n:
            attrs["name"] = str(n)
        out.append(json.dumps(attrs, ensure_ascii=False))
    return out


def _problems(net: Network, source: str) -> list[Problem]:
    """What the import left out, for the imports log."""
    found = [Problem(source, f"丢弃{n}条边：{reason}") for reason, n in net.dropped.items()]
    if net.nodes_dropped:
        found.append(Problem(source, f"丢弃{net.nodes_dropped}个节点：不在保留的路网中"))
    return found
