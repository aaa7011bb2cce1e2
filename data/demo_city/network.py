"""The walking network: lattice edges by land use, compound fences and gates, river and railway.

Edge kinds: arterial, street (superblock boundaries and middle lines), alley (old town and
commercial blocks), path (compounds and parks), gate (through a compound fence), bridge and
crossing (over the river and the railway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from data.demo_city import landuse as lu
from data.demo_city.barriers import Barriers
from data.demo_city.frame import CELLS_PER_SUPERBLOCK, Lattice
from data.demo_city.landuse import ARTERIAL_EVERY, LandUse

INNER_STREET_LINE = CELLS_PER_SUPERBLOCK // 2  # the middle line of a superblock is a street
GATED_PATH_EVERY = 2  # gated superblocks keep internal paths on every 2nd lattice line
GATE_COUNT_CHOICES = (1, 2)
# Share of internal edges removed at random (connectivity is restored afterwards).
DROP_SHARE = {lu.OLD: 0.12, lu.PARK: 0.25, lu.RIVERSIDE: 0.25}
# Bridges and level crossings sit on superblock boundary rows nearest these fractions of the height.
BRIDGE_FRACTIONS = (0.125, 0.375, 0.625, 0.875)
CROSSING_FRACTIONS = (1 / 6, 0.5, 5 / 6)
LENGTH_DECIMALS = 2


@dataclass(frozen=True)
class Network:
    """Final walking network (UTM metres) and which lattice sides of each cell carry an edge."""

    nodes: pd.DataFrame  # id, x, y
    edges: pd.DataFrame  # id, source, target, kind, length_m, x0, y0, x1, y1
    h_kind: np.ndarray  # (nx, ny + 1) kind of edge (ix, iy)→(ix + 1, iy), "" if none
    v_kind: np.ndarray  # (nx + 1, ny) kind of edge (ix, iy)→(ix, iy + 1), "" if none

    def cell_side_kinds(self, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Kinds of the south, east, north and west sides of cells (cx, cy), shape (n, 4)."""
        return np.stack([self.h_kind[cx, cy], self.v_kind[cx + 1, cy],
                         self.h_kind[cx, cy + 1], self.v_kind[cx, cy]], axis=1)


def _lattice_edges(nx: int, ny: int) -> dict[str, np.ndarray]:
    """All horizontal then vertical lattice edges as node index arrays."""
    hx, hy = np.meshgrid(np.arange(nx), np.arange(ny + 1), indexing="ij")
    vx, vy = np.meshgrid(np.arange(nx + 1), np.arange(ny), indexing="ij")
    ax = np.concatenate([hx.ravel(), vx.ravel()])
    ay = np.concatenate([hy.ravel(), vy.ravel()])
    horizontal = np.concatenate([np.ones(hx.size, bool), np.zeros(vx.size, bool)])
    return {"ax": ax, "ay": ay, "bx": ax + horizontal, "by": ay + ~horizontal, "h": horizontal}


def _internal_kinds(e: dict[str, np.ndarray], lattice: Lattice, land: LandUse,
                    rng: np.random.Generator) -> np.ndarray:
    """Kinds of the edges by land use, with fences and gates; "" where there is no walkway."""
    c = CELLS_PER_SUPERBLOCK
    line = np.where(e["h"], e["ay"], e["ax"])
    along = np.where(e["h"], e["ax"], e["ay"])
    line_local, along_local = line % c, along % c
    boundary = line_local == 0
    kind = np.full(len(line), "", dtype=object)

    cell_kept = lattice.cell_kept()
    padded = np.pad(cell_kept, 1)
    # Cells on either side of each edge, in padded indices.
    side_a = padded[e["ax"] + 1 - ~e["h"], e["ay"] + 1 - e["h"]]
    side_b = padded[e["ax"] + 1, e["ay"] + 1]
    road = boundary & (side_a | side_b)
    kind[road] = np.where(line[road] % ARTERIAL_EVERY == 0, "arterial", "street")

    sb_type = land.sb_type[np.minimum(e["ax"] // c, lattice.n_sb_x - 1), np.minimum(e["ay"] // c, lattice.n_sb_y - 1)]
    inner = ~boundary & (sb_type != "")
    middle = line_local == INNER_STREET_LINE
    even = line_local % GATED_PATH_EVERY == 0
    open_full = inner & np.isin(sb_type, [lu.OLD, lu.COMMERCIAL])
    kind[open_full] = np.where(middle[open_full], "street", "alley")
    kind[inner & np.isin(sb_type, [lu.PARK, lu.RIVERSIDE])] = "path"
    rail = inner & (sb_type == lu.RAILWAY) & even
    kind[rail] = np.where(middle[rail], "street", "path")
    gated = inner & np.isin(sb_type, list(lu.GATED)) & even
    fence = gated & ((along_local == 0) | (along_local == c - 1))
    kind[gated & ~fence] = "path"

    fence_idx = np.flatnonzero(fence)
    sb_of = (e["ax"][fence_idx] // c) * lattice.n_sb_y + e["ay"][fence_idx] // c
    for sb in np.unique(sb_of):
        options = fence_idx[sb_of == sb]
        n_gates = int(rng.choice(GATE_COUNT_CHOICES))
        kind[rng.choice(options, size=n_gates, replace=False)] = "gate"
    return kind


def _edge_lines(e: dict[str, np.ndarray], xy: np.ndarray) -> np.ndarray:
    coords = np.stack([xy[e["ax"], e["ay"]], xy[e["bx"], e["by"]]], axis=1)
    return shapely.linestrings(coords)


def _boundary_rows(ny: int, fractions: tuple[float, ...]) -> list[int]:
    """Distinct interior superblock-boundary rows nearest to the given fractions of the height."""
    c = CELLS_PER_SUPERBLOCK
    rows = {int(np.clip(round(f * ny / c) * c, c, ny - c)) for f in fractions}
    return sorted(r for r in rows if 0 < r < ny)


def _spans(e: dict[str, np.ndarray], cut: np.ndarray, rows: list[int], kind: str) -> list[tuple]:
    """One edge per row jumping over the cut horizontal edges: (ax, ay, bx, by, kind)."""
    out = []
    for row in rows:
        on_row = np.flatnonzero(e["h"] & (e["ay"] == row) & cut)
        if len(on_row):
            out.append((int(e["ax"][on_row].min()), row, int(e["bx"][on_row].max()), row, kind))
    return out


def _restore_connectivity(n_nodes: int, a: np.ndarray, b: np.ndarray, keep: np.ndarray,
                          dropped: np.ndarray) -> np.ndarray:
    """Re-add dropped edges (in the given order) that join otherwise separate components."""
    graph = coo_matrix((np.ones(keep.sum()), (a[keep], b[keep])), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    parent = np.arange(labels.max() + 1)

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    restored = []
    for edge in dropped:
        ra, rb = root(labels[a[edge]]), root(labels[b[edge]])
        if ra != rb:
            parent[ra] = rb
            restored.append(edge)
    return np.array(restored, dtype=int)


def build_network(rng: np.random.Generator, lattice: Lattice, land: LandUse, barriers: Barriers) -> Network:
    """Build the walking network and keep its largest connected component."""
    e = _lattice_edges(lattice.nx, lattice.ny)
    kind = _internal_kinds(e, lattice, land, rng)
    lines = _edge_lines(e, lattice.node_xy)
    cut_river = shapely.intersects(lines, barriers.river_area)
    cut_rail = shapely.intersects(lines, barriers.railway_area)
    extra = (_spans(e, cut_river & (kind != ""), _boundary_rows(lattice.ny, BRIDGE_FRACTIONS), "bridge")
             + _spans(e, cut_rail & (kind != ""), _boundary_rows(lattice.ny, CROSSING_FRACTIONS), "crossing"))
    kind[cut_river | cut_rail] = ""

    for key, column in zip(("ax", "ay", "bx", "by"), range(4), strict=True):
        e[key] = np.concatenate([e[key], np.array([x[column] for x in extra], dtype=int)])
    e["h"] = np.concatenate([e["h"], np.zeros(len(extra), bool)])
    kind = np.concatenate([kind, np.array([x[4] for x in extra], dtype=object)])
    n_lattice = len(kind) - len(extra)

    ny1 = lattice.ny + 1
    a = e["ax"] * ny1 + e["ay"]
    b = e["bx"] * ny1 + e["by"]
    n_nodes = (lattice.nx + 1) * ny1
    c = CELLS_PER_SUPERBLOCK
    sb_type = land.sb_type[np.minimum(e["ax"] // c, lattice.n_sb_x - 1), np.minimum(e["ay"] // c, lattice.n_sb_y - 1)]
    share = np.array([DROP_SHARE.get(t, 0.0) for t in sb_type])
    droppable = np.isin(kind, ["alley", "street", "path"]) & (np.where(e["h"], e["ay"], e["ax"]) % c != 0)
    droppable[n_lattice:] = False
    dropped = np.flatnonzero(droppable & (rng.random(len(kind)) < share))
    keep = kind != ""
    keep[dropped] = False
    keep[_restore_connectivity(n_nodes, a, b, keep, dropped)] = True

    graph = coo_matrix((np.ones(keep.sum()), (a[keep], b[keep])), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    used = np.zeros(n_nodes, bool)
    used[a[keep]] = used[b[keep]] = True
    largest = np.bincount(labels[used]).argmax()
    keep &= labels[a] == largest
    kind[~keep] = ""

    in_net = np.zeros(n_nodes, bool)
    in_net[a[keep]] = in_net[b[keep]] = True
    node_id = np.zeros(n_nodes, np.int64)
    node_id[in_net] = np.arange(1, in_net.sum() + 1)
    xy = lattice.node_xy.reshape(-1, 2)
    nodes = pd.DataFrame({"id": node_id[in_net], "x": xy[in_net, 0], "y": xy[in_net, 1]})

    src, dst = node_id[a[keep]], node_id[b[keep]]
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    p, q = np.where(src <= dst, a[keep], b[keep]), np.where(src <= dst, b[keep], a[keep])
    edges = pd.DataFrame({"source": lo, "target": hi, "kind": kind[keep].astype(str),
                          "x0": xy[p, 0], "y0": xy[p, 1], "x1": xy[q, 0], "y1": xy[q, 1]})
    edges = edges.sort_values(["source", "target"], kind="stable").reset_index(drop=True)
    edges.insert(0, "id", np.arange(1, len(edges) + 1, dtype=np.int64))
    edges["length_m"] = np.round(np.hypot(edges.x1 - edges.x0, edges.y1 - edges.y0), LENGTH_DECIMALS)

    nx, ny = lattice.nx, lattice.ny
    h_kind = kind[:nx * ny1].reshape(nx, ny1).astype(str)
    v_kind = kind[nx * ny1:n_lattice].reshape(nx + 1, ny).astype(str)
    return Network(nodes, edges, h_kind, v_kind)
