"""A seeded synthetic walking network for benchmarks, and points near it.

A jittered square lattice (default 240 × 240 nodes, 60 m apart: about 14 km across),
laid in UTM 49N around lon 113.1, lat 36.2 (Changzhi), with 8 % of the streets removed
at random (never one of a random spanning tree, so the network stays connected) and
15 % of the streets bent through a middle vertex. Node and edge ids are shuffled so
that memory order carries no lattice locality. Coordinates are returned and stored in
EPSG:4326; `length_m` is measured on the ellipsoid from the geometry, as the loader does.

    net = generate(seed=1)
    graph = geo.network.graph.from_arrays(*net.arrays())
    load_into(conn, net)          # COPY into network_nodes / network_edges
    lon, lat = net.stations(1000, seed=2)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import psycopg
import shapely
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pyproj import Geod, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from geo.db import drop_database

UTM_EPSG = 32649  # UTM zone 49N (WGS 84), the zone of lon 108–114° E
STORAGE_EPSG = 4326
CENTRE_LONLAT = (113.1, 36.2)
DEFAULT_SEED = 20261122
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Network:
    """Nodes and edges, aligned by index; `source`/`target` hold node ids (not indices)."""

    node_ids: np.ndarray       # int64
    node_lonlat: np.ndarray    # (n, 2) degrees
    node_xy: np.ndarray        # (n, 2) UTM 49N metres
    edge_ids: np.ndarray       # int64
    source: np.ndarray         # int64 node ids
    target: np.ndarray         # int64 node ids
    length_m: np.ndarray       # geodesic length, metres
    lines_lonlat: np.ndarray   # shapely LineStrings, EPSG:4326, source → target
    lines_xy: np.ndarray       # the same in UTM 49N
    seed: int

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_ids)

    def arrays(self) -> tuple:
        """Positional arguments for `geo.network.graph.from_arrays`."""
        return (self.node_ids, self.node_lonlat, self.edge_ids, self.source, self.target,
                self.length_m, self.lines_lonlat)

    def points_near(self, n: int, seed: int, min_off_m: float, max_off_m: float) -> tuple[np.ndarray, np.ndarray]:
        """`n` points between `min_off_m` and `max_off_m` (straight line) from random edges: lon, lat."""
        rng = np.random.default_rng(seed)
        edge = rng.integers(0, self.n_edges, n)
        along = shapely.line_interpolate_point(self.lines_xy[edge], rng.uniform(0.05, 0.95, n), normalized=True)
        xy = shapely.get_coordinates(along)
        angle = rng.uniform(0, 2 * np.pi, n)
        off = rng.uniform(min_off_m, max_off_m, n)
        x = xy[:, 0] + off * np.cos(angle)
        y = xy[:, 1] + off * np.sin(angle)
        lon, lat = Transformer.from_crs(UTM_EPSG, STORAGE_EPSG, always_xy=True).transform(x, y)
        return np.asarray(lon), np.asarray(lat)

    def stations(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """`n` stations 2–15 m off random edges: lon, lat (EPSG:4326)."""
        return self.points_near(n, seed, 2.0, 15.0)

    def buildings(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """`n` building points 8–60 m off random edges: lon, lat (EPSG:4326)."""
        return self.points_near(n, seed, 8.0, 60.0)


def generate(rows: int = 240, cols: int = 240, spacing_m: float = 60.0, *, jitter_m: float = 8.0,
             remove: float = 0.08, bend: float = 0.15, seed: int = DEFAULT_SEED) -> Network:
    """The seeded lattice network (defaults: 57,600 nodes, about 105,500 edges)."""
    rng = np.random.default_rng(seed)
    centre_x, centre_y = Transformer.from_crs(STORAGE_EPSG, UTM_EPSG, always_xy=True).transform(*CENTRE_LONLAT)
    r, c = np.divmod(np.arange(rows * cols), cols)
    jitter = np.clip(rng.normal(0, jitter_m, (2, rows * cols)), -2 * jitter_m, 2 * jitter_m)
    x = centre_x + (c - (cols - 1) / 2) * spacing_m + jitter[0]
    y = centre_y + (r - (rows - 1) / 2) * spacing_m + jitter[1]
    node = np.arange(rows * cols).reshape(rows, cols)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])

    # Remove streets at random, but none of a random spanning tree: the network stays connected.
    n = rows * cols
    weights = rng.uniform(1.0, 2.0, len(u))
    tree = minimum_spanning_tree(coo_matrix((weights, (u, v)), shape=(n, n))).tocoo()
    in_tree = np.zeros(len(u), dtype=bool)
    key = u.astype(np.int64) * n + v
    tree_key = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    in_tree[np.isin(key, tree_key)] = True
    candidates = np.flatnonzero(~in_tree)
    removed = rng.choice(candidates, size=min(int(remove * len(u)), len(candidates)), replace=False)
    keep = np.ones(len(u), dtype=bool)
    keep[removed] = False
    u, v = u[keep], v[keep]
    if connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)[0] != 1:
        raise AssertionError("generated network is not connected")

    # Some streets bend through a middle vertex set off sideways by up to 12 m.
    m = len(u)
    ax, ay, bx, by = x[u], y[u], x[v], y[v]
    bent = rng.random(m) < bend
    side = rng.uniform(-12.0, 12.0, m)
    dx, dy = bx - ax, by - ay
    norm = np.hypot(dx, dy)
    mx = (ax + bx) / 2 - dy / norm * side
    my = (ay + by) / 2 + dx / norm * side
    coords = np.full((m, 3, 2), np.nan)
    coords[:, 0] = np.column_stack([ax, ay])
    coords[:, 1] = np.column_stack([mx, my])
    coords[:, 2] = np.column_stack([bx, by])
    coords[~bent, 1] = coords[~bent, 2]
    counts = np.where(bent, 3, 2)
    flat = np.concatenate([coords[bent].reshape(-1, 2), coords[~bent, :2].reshape(-1, 2)])
    order = np.concatenate([np.flatnonzero(bent), np.flatnonzero(~bent)])
    lines_xy = np.empty(m, dtype=object)
    lines_xy[order] = shapely.linestrings(flat, indices=np.repeat(np.arange(m), counts[order]))

    to_lonlat = Transformer.from_crs(UTM_EPSG, STORAGE_EPSG, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    node_lonlat = np.column_stack([lon, lat])
    lines_lonlat = shapely.transform(lines_xy, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
    length_m = geodesic_lengths(lines_lonlat)

    node_ids = rng.permutation(n).astype(np.int64) + 1
    edge_perm = rng.permutation(m)
    edge_ids = np.arange(1, m + 1, dtype=np.int64)
    return Network(node_ids, node_lonlat, np.column_stack([x, y]), edge_ids,
                   node_ids[u[edge_perm]], node_ids[v[edge_perm]], length_m[edge_perm],
                   lines_lonlat[edge_perm], lines_xy[edge_perm], seed)


def geodesic_lengths(lines_lonlat: np.ndarray) -> np.ndarray:
    """Length of each EPSG:4326 line on the WGS 84 ellipsoid (metres)."""
    coords, index = shapely.get_coordinates(lines_lonlat, return_index=True)
    same = index[1:] == index[:-1]
    _, _, seg = _GEOD.inv(coords[:-1, 0][same], coords[:-1, 1][same], coords[1:, 0][same], coords[1:, 1][same])
    return np.bincount(index[1:][same], weights=seg, minlength=len(lines_lonlat))


def _copy_text(conn: psycopg.Connection, statement: str, columns: list) -> None:
    """COPY tab-separated text rows built column-wise (every value already a string)."""
    buf = io.StringIO()
    for row in zip(*columns, strict=True):
        buf.write("\t".join(row))
        buf.write("\n")
    with conn.cursor().copy(statement) as copy:
        copy.write(buf.getvalue())


def ewkb_hex(geoms: np.ndarray, srid: int = STORAGE_EPSG) -> np.ndarray:
    """Hex EWKB with SRID, the fastest text form PostGIS parses in COPY."""
    return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)


def load_into(conn: psycopg.Connection, net: Network) -> None:
    """COPY the network into network_nodes / network_edges (cost columns are generated), then ANALYZE."""
    points = shapely.points(net.node_lonlat)
    _copy_text(conn, "COPY network_nodes (id, geom) FROM STDIN",
               [net.node_ids.astype(str), ewkb_hex(points)])
    _copy_text(conn, "COPY network_edges (id, source, target, length_m, geom) FROM STDIN",
               [net.edge_ids.astype(str), net.source.astype(str), net.target.astype(str),
                np.char.mod("%.6f", net.length_m), ewkb_hex(net.lines_lonlat)])
    conn.commit()
    conn.execute("ANALYZE network_nodes")
    conn.execute("ANALYZE network_edges")
    conn.commit()


STATION_KINDS = ("党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站")


def load_stations(conn: psycopg.Connection, lon: np.ndarray, lat: np.ndarray) -> None:
    """COPY stations (open 7×24, kinds in turn) into `stations`; their ids are 1..n in order."""
    n = len(lon)
    codes = np.char.mod("BENCH%05d", np.arange(1, n + 1))
    kinds = np.array([STATION_KINDS[i % len(STATION_KINDS)] for i in range(n)])
    _copy_text(conn, "COPY stations (code, name, kind, is_24h, geom) FROM STDIN",
               [codes, codes, kinds, np.full(n, "t"), ewkb_hex(shapely.points(lon, lat))])
    conn.commit()
    conn.execute("ANALYZE stations")
    conn.commit()


def admin_url() -> str:
    """The server benchmarks create their throwaway databases on (DATABASE_URL); exit if unset."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set: export DATABASE_URL=$(scripts/localdb.sh url)")
    return url


def loadavg() -> str:
    """The machine's 1/5/15-minute load averages, for judging how quiet a run was."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def throwaway_database(admin_url: str, label: str) -> Iterator[str]:
    """A new migrated database on the server of `admin_url`, dropped (WITH FORCE) afterwards, even on error."""
    from geo.db.migrate import migrate

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_conninfo(**{**conninfo_to_dict(admin_url), "dbname": name})
        with psycopg.connect(url) as conn:
            migrate(conn)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            drop_database(admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the benchmark network and print its size.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    t = time.perf_counter()
    net = generate(seed=args.seed)
    lo, la = net.node_lonlat.min(axis=0)
    hi, ha = net.node_lonlat.max(axis=0)
    print(f"{net.n_nodes:,} nodes, {net.n_edges:,} edges, {net.length_m.sum() / 1000:,.0f} km of street, "
          f"mean edge {net.length_m.mean():.1f} m, bbox {lo:.4f},{la:.4f},{hi:.4f},{ha:.4f} "
          f"(generated in {time.perf_counter() - t:.1f} s, seed {args.seed})")


if __name__ == "__main__":
    main()
