"""City blocks (faces of the street network) and their holes, to build walking circles fast.

`Blocks.polygon` gives `geo.street_pieces.polygon` of the reached pieces (up to the 1 mm
grid of the union): the full blocks are merged by a cheap coverage union, only the fringe's
buffers go through the union (`geo.polygon_union`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely
from scipy.sparse import csr_matrix

from geo.graph import WalkGraph
from geo.polygon_union import union
from geo.street_pieces import BUFFER_QUAD_SEGS, LineCutter, Pieces

# A buffer's polygon covers every point this close to its line (× buffer): its round caps are
# polygons with their vertices on the circle, BUFFER_QUAD_SEGS per quadrant.
SURE_REACH = float(np.cos(np.pi / 4 / BUFFER_QUAD_SEGS))
# GEOS simplifies a buffer's input line by this much (× buffer) before offsetting it.
GEOS_SIMPLIFY = 0.01
# Blocks with more sides get their hole from the buffers even when convex (keeps `_insets` small).
MAX_INSET_SIDES = 32
# A hole lies farther than SURE_REACH from its block's sides, so it lies in the block shrunk
# by this much (× buffer): GEOS's shrinking removes polygons inscribed in the true disks and
# may first simplify the ring by GEOS_SIMPLIFY, which leaves more, never less.
SHRINK = SURE_REACH - 4 * GEOS_SIMPLIFY
# Precision of the largest inscribed circle that proves a block too narrow for a hole (× buffer).
MIC_TOLERANCE = 0.01


@dataclass(eq=False)
class Blocks:
    """The blocks of the network (faces of its street lines) and their holes, to fill circles fast.

    A block whose every nearby edge (within the buffer: `near`) is reached whole lies
    inside the circle except for its hole, the part of it that no buffer covers, which
    depends on those edges only and is computed once. So the circle is the union of its
    full blocks (edge-matched: a cheap coverage union), the buffers of the reached pieces
    not inside full blocks, and, as interior rings, the full blocks' holes: the union
    handles the circle's fringe only.

    A block is full when its `relevant` edges are whole: all its near ones, or only its
    sides when the sides alone decide its hole (the buffers of the other near edges add
    nothing to it). An edge is inside full blocks when its buffer lies in the blocks
    (`inside`) and every block near it is full.

    `build` finds the blocks, `complete` their holes and `relevant`, which `polygon`
    needs. `hole` holds each block's hole once known (None until then); a block whose
    hole has an island in it is not `usable` (never full). `by_sides` marks the blocks
    whose sides alone decide their hole, `sides` (blocks × edges) their sides (None if
    the lines had to be noded). Lengths in metres, metric CRS.
    """

    lines: np.ndarray
    buffer_m: float
    polygons: np.ndarray
    near: csr_matrix
    near_edges: csr_matrix
    inside: np.ndarray
    usable: np.ndarray
    hole: np.ndarray
    sides: csr_matrix | None = None
    by_sides: np.ndarray | None = None
    relevant: csr_matrix | None = None
    hole_rings: np.ndarray | None = None
    hole_ring_block: np.ndarray | None = None

    @classmethod
    def build(cls, graph: WalkGraph, buffer_m: float, window: tuple[float, float, float, float] | None = None
              ) -> Blocks | None:
        """The blocks lying within `window` (xmin, ymin, xmax, ymax, metric CRS; None: everywhere).

        Blocks are found by polygonising the lines near the window (noded first if some
        cross without a node); a block is kept only if it lies in the window, where no
        line can be missing from it. None if there is no block (a network without loops).
        """
        edges = np.arange(len(graph.lines))
        if window is not None:
            edges = graph.tree.query(shapely.box(*np.asarray(window) + np.array([-1, -1, 1, 1]) * buffer_m),
                                     predicate="intersects")
        lines = graph.lines[edges]
        noded = not shapely.is_simple(shapely.multilinestrings(lines))
        if noded:
            lines = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
        faces = shapely.get_parts(shapely.polygonize(lines))
        if window is not None:
            bounds = shapely.bounds(faces)
            faces = faces[np.all((bounds[:, :2] >= window[:2]) & (bounds[:, 2:] <= window[2:]), axis=1)]
        if len(faces) == 0:
            return None
        face, edge = graph.tree.query(faces, predicate="dwithin", distance=buffer_m)
        near = csr_matrix((np.ones(len(face), dtype=np.int32), (face, edge)), shape=(len(faces), len(graph.lines)))
        area = shapely.coverage_union_all(faces)
        rims = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(area)), return_index=True)
        segments = shapely.linestrings(np.stack([rims[0][:-1], rims[0][1:]], axis=1)[rims[1][:-1] == rims[1][1:]])
        inside = np.zeros(len(graph.lines), dtype=bool)
        start = shapely.get_coordinates(shapely.get_point(graph.lines[edges], 0))
        inside[edges] = shapely.contains_xy(area, start[:, 0], start[:, 1])  # a line away from the rim is in or out
        if len(segments):
            by_rim = shapely.STRtree(segments).query(graph.lines[edges], predicate="dwithin", distance=buffer_m)[0]
            inside[edges[by_rim]] = False
        usable = shapely.get_num_interior_rings(faces) == 0
        blocks = cls(graph.lines, buffer_m, faces, near, near.T.tocsr(), inside, usable,
                     np.full(len(faces), None, dtype=object), by_sides=np.zeros(len(faces), dtype=bool))
        if not noded:  # else the faces' sides are pieces of edges: every near edge stays relevant
            blocks.sides = _sides(faces, graph.lines, edges).multiply(near).tocsr()
        return blocks

    def complete(self, parts: int = 1,
                 cut: Callable[[list[np.ndarray]], Iterable[tuple[np.ndarray, np.ndarray]]] | None = None) -> None:
        """Find the usable blocks' holes, in `parts` lists of blocks, then which edges each block needs whole.

        `cut` maps `cut_holes` over the lists (e.g. in a process pool; by default here).
        A block's `relevant` edges are its sides when they alone decide its hole, else all
        its near edges.
        """
        lists = np.array_split(np.flatnonzero(self.usable), parts)
        for faces, (holes, by_sides) in zip(lists, (cut or partial(map, self.cut_holes))(lists), strict=True):
            self.hole[faces] = holes
            self.by_sides[faces] = by_sides
            pieces = shapely.get_parts(holes, return_index=True)
            self.usable[faces[np.unique(pieces[1][shapely.get_num_interior_rings(pieces[0]) > 0])]] = False
        parts, block = shapely.get_parts(self.hole, return_index=True)
        solid = ~shapely.is_empty(parts)
        self.hole_rings, self.hole_ring_block = shapely.get_exterior_ring(parts[solid]), block[solid]
        if self.sides is None:
            self.relevant = self.near
            return
        keep = self.by_sides.astype(np.int32)[:, None]
        self.relevant = (self.sides.multiply(keep) + self.near.multiply(1 - keep)).tocsr()
        self.relevant.data[:] = 1

    def cut_holes(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The holes of these blocks, and which of them their sides alone decide.

        In a convex block a point nearer the boundary than the buffer lies in the
        rectangle of its nearest side, so the hole is the block shrunk by the buffer
        (`_insets`), unless a line other than its sides comes within the buffer of it.
        Any other block is shrunk by SHRINK and the hole cut from what is left by the
        buffers that reach it (each edge buffered once): far less work than from the
        whole block. If nothing is left, the block is most likely too narrow for a hole,
        which its sides then decide too: its largest inscribed circle is smaller than the
        buffer's polygon reaches for sure (`SURE_REACH`). But GEOS may drop the small
        offset of a short ring, so a block that fails that test is cut whole.
        """
        holes = np.full(len(faces), None, dtype=object)
        convex, insets = self._convex_insets(faces)
        near = self.near[faces[convex]]
        owner = np.repeat(np.arange(len(convex)), np.diff(near.indptr))
        cut = shapely.distance(self.lines[near.indices], insets[owner]) < self.buffer_m * (1 - 1e-9)
        clear = np.bincount(owner[cut], minlength=len(convex)) == 0
        holes[convex[clear]] = insets[clear]
        other = np.flatnonzero(holes == None)  # noqa: E711 (elementwise)
        start = shapely.buffer(self.polygons[faces[other]], -self.buffer_m * SHRINK, quad_segs=BUFFER_QUAD_SEGS)
        empty = np.flatnonzero(shapely.is_empty(start))
        tolerance = MIC_TOLERANCE * self.buffer_m
        radius = shapely.length(shapely.maximum_inscribed_circle(self.polygons[faces[other[empty]]], tolerance))
        narrow = np.zeros(len(other), dtype=bool)
        narrow[empty] = radius + 2 * tolerance < self.buffer_m * SURE_REACH
        start[empty] = self.polygons[faces[other[empty]]]
        holes[other[narrow]] = shapely.Polygon()
        by_sides = holes != None  # noqa: E711
        wide, start = other[~narrow], start[~narrow]
        near = self.near[faces[wide]]
        owner = np.repeat(np.arange(len(wide)), np.diff(near.indptr))
        edges, which = np.unique(near.indices, return_inverse=True)
        cutters = shapely.buffer(self.lines[edges], self.buffer_m, quad_segs=BUFFER_QUAD_SEGS)[which]
        hit = shapely.intersects(cutters, start[owner])
        owner, cutters = owner[hit], cutters[hit]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        for r in range(rank.max(initial=-1) + 1):
            now = rank == r
            start[owner[now]] = shapely.difference(start[owner[now]], cutters[now])
        holes[wide] = start
        return holes, by_sides

    def _convex_insets(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of these blocks are convex with at most MAX_INSET_SIDES sides (positions), and their insets."""
        rings = shapely.get_exterior_ring(shapely.orient_polygons(self.polygons[faces]))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        last = np.r_[ring[1:] != ring[:-1], True]  # each ring's closing vertex
        xy, ring = xy[~last], ring[~last]
        first = np.searchsorted(ring, ring)
        count = np.bincount(ring, minlength=len(rings))[ring]
        at = np.arange(len(ring)) - first
        (ax, ay), (bx, by) = (xy - xy[first + (at - 1) % count]).T, (xy[first + (at + 1) % count] - xy).T
        concave = np.bincount(ring[ax * by - ay * bx < 0], minlength=len(rings)) > 0
        convex = np.flatnonzero(~concave & (np.bincount(ring, minlength=len(rings)) <= MAX_INSET_SIDES))
        if len(convex) == 0:
            return convex, np.empty(0, dtype=object)
        each = np.split(xy, np.searchsorted(ring, np.arange(1, len(rings))))
        return convex, _insets([each[f] for f in convex], self.buffer_m)

    def polygon(self, pieces: Pieces, cutter: LineCutter) -> shapely.MultiPolygon:
        """`polygon(cutter.lines(pieces), buffer_m)`, built from the full blocks and the fringe."""
        length = cutter.graph.length_m
        whole = (pieces.start_m <= 0) & (pieces.end_m >= length[pieces.edge])
        not_whole = np.ones(len(length), dtype=np.int32)
        not_whole[pieces.edge[whole]] = 0
        candidate = np.zeros(len(self.polygons), dtype=bool)
        candidate[self.near_edges[pieces.edge[whole]].indices] = True
        candidates = np.flatnonzero(candidate & self.usable)
        full = candidates[self.relevant[candidates] @ not_whole == 0]
        not_full = np.ones(len(self.polygons), dtype=np.int32)
        not_full[full] = 0
        inside = whole & self.inside[pieces.edge] & (self.near_edges[pieces.edge] @ not_full == 0)
        fringe = Pieces(pieces.edge[~inside], pieces.start_m[~inside], pieces.end_m[~inside])
        parts = shapely.buffer(cutter.lines(fringe), self.buffer_m, quad_segs=BUFFER_QUAD_SEGS)
        if len(full):
            parts = np.append(parts, shapely.coverage_union_all(self.polygons[full]))
        filled = union(parts)
        holes = self.hole_rings[not_full[self.hole_ring_block] == 0]
        if len(holes) == 0:
            return shapely.multipolygons(filled)
        owner = np.zeros(len(holes), dtype=np.int64)
        if len(filled) > 1:  # each hole lies inside one part, away from its boundary
            hole_at, part = shapely.STRtree(filled).query(shapely.get_point(holes, 0), predicate="within")
            owner[hole_at] = part
        out = [shapely.polygons(shapely.get_exterior_ring(part),
                                holes=np.concatenate([shapely.get_rings(part)[1:], holes[owner == k]]))
               for k, part in enumerate(filled)]
        return shapely.multipolygons(out)


def _sides(faces: np.ndarray, lines: np.ndarray, edges: np.ndarray) -> csr_matrix:
    """Blocks × edges: which of `edges` (indices into `lines`) lie on each block's boundary.

    The blocks were polygonised from these very lines, so a side's first segment is a
    segment of the block's ring coordinate for coordinate: segments are matched by a hash
    of their coordinates' bits, then compared exactly.
    """
    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(faces), return_index=True)
    same = ring[1:] == ring[:-1]
    ring_ends = _segment_ends(xy[:-1][same], xy[1:][same])
    ring_keys = _hash(ring_ends)
    order = np.argsort(ring_keys)
    line_xy, line = shapely.get_coordinates(lines[edges], return_index=True)
    first = np.searchsorted(line, np.arange(len(edges)))
    ends = _segment_ends(line_xy[first], line_xy[first + 1])
    keys = _hash(ends)
    low = np.searchsorted(ring_keys, keys, side="left", sorter=order)
    high = np.searchsorted(ring_keys, keys, side="right", sorter=order)
    owner = np.repeat(np.arange(len(edges)), high - low)
    at = order[np.arange(len(owner)) + np.repeat(low - (np.cumsum(high - low) - (high - low)), high - low)]
    equal = np.all(ring_ends[at] == ends[owner], axis=1)
    return csr_matrix((np.ones(int(equal.sum()), dtype=np.int32), (ring[:-1][same][at[equal]], edges[owner[equal]])),
                      shape=(len(faces), len(lines)))


def _segment_ends(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each segment (a[i], b[i]) as (x0, y0, x1, y1), the same whichever way it runs."""
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    return np.ascontiguousarray(np.where(swap[:, None], np.hstack([b, a]), np.hstack([a, b])))


def _hash(ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's four float64 (FNV-style: multiply, then xor; wraps around)."""
    bits = ends.view(np.uint64)
    key = np.full(len(bits), 14695981039346656037, dtype=np.uint64)
    for k in range(bits.shape[1]):
        key = (key ^ bits[:, k]) * np.uint64(1099511628211)
    return key


def _insets(rings: list[np.ndarray], distance_m: float) -> np.ndarray:
    """Convex polygons (open counter-clockwise rings, metres) where every side's line is `distance_m` away.

    Clips each ring by each of its sides' half-planes moved inwards (Sutherland–Hodgman,
    all rings at once); an empty polygon where nothing is left.
    """
    sides = np.array([len(r) for r in rings])
    width = int(sides.max())
    corner = np.array([np.concatenate([r, np.repeat(r[-1:], width - len(r), axis=0)]) for r in rings])
    out, count = corner.copy(), sides.copy()
    rows = np.arange(len(rings))[:, None]
    for j in range(width):
        a, b = corner[:, j], corner[rows[:, 0], (j + 1) % sides]
        length = np.hypot(*(b - a).T)
        live = (j < sides) & (length > 0)
        normal = np.column_stack([a[:, 1] - b[:, 1], b[:, 0] - a[:, 0]]) / np.where(live, length, 1)[:, None]
        valid = np.arange(out.shape[1]) < count[:, None]
        depth = np.einsum("fmk,fk->fm", out - a[:, None], normal) - distance_m
        depth[~live] = 1.0  # rings without a j-th side are left as they are
        following = (np.arange(out.shape[1]) + 1) % np.maximum(count, 1)[:, None]
        depth_after, after = depth[rows, following], out[rows, following]
        keep = valid & (depth >= 0)
        cross = valid & (keep != (depth_after >= 0))
        t = np.where(cross, depth / np.where(cross, depth - depth_after, 1), 0)
        points = np.concatenate([out, out + t[..., None] * (after - out)], axis=1)
        key = np.concatenate([np.where(keep, 2 * np.arange(out.shape[1]), np.iinfo(np.int64).max),
                              np.where(cross, 2 * np.arange(out.shape[1]) + 1, np.iinfo(np.int64).max)], axis=1)
        count = keep.sum(axis=1) + cross.sum(axis=1)
        out = points[rows, np.argsort(key, axis=1)][:, :max(int(count.max()), 1)]
    polygons = np.full(len(rings), shapely.Polygon(), dtype=object)
    ok = count >= 3
    if ok.any():
        flat = np.concatenate([out[i, :count[i]] for i in np.flatnonzero(ok)])
        made = shapely.polygons(shapely.linearrings(flat, indices=np.repeat(np.arange(ok.sum()), count[ok])))
        polygons[np.flatnonzero(ok)] = np.where(shapely.area(made) > 0, made, shapely.Polygon())
    return polygons
