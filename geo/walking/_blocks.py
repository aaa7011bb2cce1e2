"""City blocks (faces of the street network) and their holes, to build walking circles fast.

A walking circle is the reached street pieces buffered and unioned
(`geo.walking._pieces.polygon`). Most of it is made of blocks whose every side is reached
whole: such a block, grown by the buffer, lies in the circle except for its *hole* (the
part of it farther than the buffer from its sides and from every other reached line),
which is the same in every circle and computed once. So `Blocks.fill` grows the union
of the full blocks by the buffer and buffers only the reached pieces outside them (the
circle's fringe), all in one Clipper2 offset, then puts the full blocks' holes back as
interior rings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix

from geo.coords import ewkb
from geo.coords.crs import STORAGE_EPSG
from geo.network.graph import WalkGraph
from geo.walking._block_arrays import (
    blocks_of_edges,
    line_arrays,
    owner_runs,
    polygonized,
    ring_geoms,
    slice_rows,
    split,
    transform_xy,
)
from geo.walking._faces import cycle_order, half_edge_points, trace
from geo.walking._offset import GRID_M, arc_tolerance, buffer_union, cut, shrink
from geo.walking._pieces import LineCutter, Pieces
from geo.walking._ranges import ranges


@dataclass(frozen=True)
class Filled:
    """A circle as `Blocks.fill` builds it: the union's parts (Polygons, metric CRS), the
    full blocks' holes it has (indices of `Blocks.hole_ring_block`) with the part each lies
    in, and its area (m²)."""

    parts: np.ndarray
    holes: np.ndarray
    owner: np.ndarray
    area_m2: float


class Holes(NamedTuple):
    """Some blocks' holes: their rings' coordinates (metres from `Blocks.origin`, closing
    vertex not repeated) with each one's ring, each ring's block, the blocks whose hole has
    an island, and the (block, edge) pairs of edges other than sides that cut the holes;
    with `Blocks.to`, the coordinates transformed too and each ring's WKB in that CRS."""

    xy: np.ndarray
    ring: np.ndarray
    ring_block: np.ndarray
    islands: np.ndarray
    cutter_block: np.ndarray
    cutter_edge: np.ndarray
    xy_to: np.ndarray | None
    wkb_to: list[bytes] | None


@dataclass(eq=False)
class Blocks:
    """The blocks of the network (faces of its street lines) and their holes.

    `polygons` are the blocks; `sides` (blocks × edges) the edges lying along each
    block's outline, `edge_blocks` each edge's one or two blocks (-1 for none). If the
    lines had to be `noded` first, an edge noded apart lies along a block in pieces:
    `borders` then holds it. `within[e]` is the block an edge lies in without being a
    side of it (a dead end; -1 for none; `has_within` marks those blocks). `usable`
    marks the blocks that can be full: no island in the block nor in its hole.
    `complete` finds the holes (ring k is `hole_xy[hole_start[k]:hole_start[k + 1]]`,
    metres from `origin`, not closed; its block `hole_ring_block[k]`, its area
    `hole_area[k]` in m²) and `relevant` (blocks × edges; `relevant_by_edge` the same by
    edge, `relevant_count` per block): the edges that must be reached whole for a block
    to be full: its sides and borders, and every other edge whose buffer reaches into its
    hole. Traced blocks keep their half-edges (`half_face`, `half_next`, see
    `geo.walking._faces.Faces`). Lengths in metres, metric CRS; `lines` are the edges'
    lines, `line_xy` their coordinates from `origin` (line e's from `line_start[e]` on),
    `line_along` each vertex's distance along them all (a metre between lines). With
    `to` set before `complete`, the holes are kept transformed by it too (`hole_xy_to`,
    and their WKB: `hole_wkb_to`), for circles in EPSG:4326.
    """

    buffer_m: float
    origin: np.ndarray
    line_xy: np.ndarray
    line_start: np.ndarray
    line_along: np.ndarray
    lines: np.ndarray
    polygons: np.ndarray
    sides: csr_matrix
    edge_blocks: np.ndarray
    borders: csr_matrix
    within: np.ndarray
    has_within: np.ndarray
    usable: np.ndarray
    noded: bool
    half_face: np.ndarray | None
    half_next: np.ndarray | None
    relevant: csr_matrix | None = None
    relevant_by_edge: csr_matrix | None = None
    relevant_count: np.ndarray | None = None
    hole_xy: np.ndarray | None = None
    hole_start: np.ndarray | None = None
    hole_ring_block: np.ndarray | None = None
    hole_area: np.ndarray | None = None
    to: Transformer | None = None
    hole_xy_to: np.ndarray | None = None
    hole_wkb_to: list[bytes] | None = None

    @classmethod
    def build(cls, graph: WalkGraph, buffer_m: float, window: tuple[float, float, float, float] | None = None
              ) -> Blocks | None:
        """The blocks lying within `window` (xmin, ymin, xmax, ymax, metric CRS; None: everywhere).

        Blocks are traced round the nodes of the lines near the window
        (`geo.walking._faces`), or found by GEOS's polygonize, noded first, if some lines
        cross without a node; a block is kept only if it lies in the window, where no line
        can be missing from it. None if there is no block (a network without loops).
        """
        edges = np.arange(len(graph.lines))
        if window is not None:
            edges = graph.tree.query(shapely.box(*np.asarray(window) + np.array([-1, -1, 1, 1]) * buffer_m),
                                     predicate="intersects")
        lines = graph.lines[edges]
        helper = ThreadPoolExecutor(1)  # GEOS and numpy let go of the GIL: these run beside the tracing
        simple = helper.submit(lambda: bool(shapely.is_simple(shapely.multilinestrings(lines))))
        along = helper.submit(line_arrays, graph.lines)
        helper.shutdown(wait=False)
        traced = trace(lines, graph.u[edges], graph.v[edges])
        noded = not simple.result()
        if noded:  # lines cross without a node: what was traced is not a map of blocks
            traced = None
        if traced is None:
            faces, side_face, side_edge = polygonized(graph, edges, noded)
            usable = shapely.get_num_interior_rings(faces) == 0
        else:
            faces, side_face, side_edge = traced.polygons, traced.side_face, edges[traced.side_line]
            usable = shapely.is_valid(faces)  # not a block whose outline touches itself round a loop inside
            usable[shapely.STRtree(faces).query(shapely.points(traced.islands), predicate="within")[1]] = False
        number = np.arange(len(faces))
        if window is not None:
            bounds = shapely.bounds(faces)
            inside = np.all((bounds[:, :2] >= window[:2]) & (bounds[:, 2:] <= window[2:]), axis=1)
            number = np.where(inside, np.cumsum(inside) - 1, -1)
            faces, usable = faces[inside], usable[inside]
            side_face, side_edge = number[side_face[inside[side_face]]], side_edge[inside[side_face]]
        if len(faces) == 0:
            return None
        half_face = half_next = None
        if traced is not None:  # the half-edges by the graph's edge numbers (2e from u, 2e + 1 from v)
            numbered = np.column_stack([2 * edges, 2 * edges + 1]).ravel()
            half_face, half_next = np.full(2 * len(graph.lines), -1), np.full(2 * len(graph.lines), -1)
            half_face[numbered] = np.where(traced.half_face >= 0, number[traced.half_face], -1)
            half_next[numbered] = np.where(traced.half_next >= 0, numbered[traced.half_next], -1)
        sides = csr_matrix((np.ones(len(side_face), dtype=np.int32), (side_face, side_edge)),
                           shape=(len(faces), len(graph.lines)))
        alone = edges[np.diff(sides.tocsc().indptr)[edges] == 0]  # not along any block's outline
        line, face = shapely.STRtree(faces).query(graph.lines[alone], predicate="within")
        within = np.full(len(graph.lines), -1, dtype=np.int64)
        within[alone[line]] = face
        borders = csr_matrix(sides.shape, dtype=np.int32)
        if noded:  # noding moved the outlines off the lines by rounding: any line touching a block may bound it
            face, line = graph.tree.query(faces, predicate="dwithin", distance=GRID_M)
            touching = csr_matrix((np.ones(len(face), dtype=np.int32), (face, line)), shape=sides.shape)
            borders = (touching - touching.multiply(sides)).tocsr()
            borders.eliminate_zeros()
        has_within = np.bincount(within[within >= 0], minlength=len(faces)) > 0
        return cls(buffer_m, *along.result(), graph.lines, faces, sides, blocks_of_edges(sides), borders, within,
                   has_within, usable, noded, half_face, half_next)

    def complete(self, parts: int = 1,
                 cut: Callable[[list[np.ndarray]], Iterable[Holes]] | None = None) -> None:
        """Find the usable blocks' holes, in `parts` lists of blocks, and each block's `relevant` edges.

        `cut` maps `cut_holes` over the lists (e.g. in a process pool; by default here).
        """
        lists = np.array_split(np.flatnonzero(self.usable), parts)
        done = list((cut or partial(map, self.cut_holes))(lists))
        ring_block = np.concatenate([h.ring_block for h in done])
        self.usable[np.concatenate([h.islands for h in done])] = False
        keep = self.usable[ring_block]
        first = np.cumsum([0] + [len(h.ring_block) for h in done])[:-1]
        ring = np.concatenate([h.ring + start for h, start in zip(done, first, strict=True)])
        kept = keep[ring]  # the coordinates of the kept rings
        self.hole_ring_block = ring_block[keep]
        self.hole_xy = np.concatenate([h.xy for h in done])[kept]
        self.hole_start = np.r_[0, np.cumsum(np.bincount(ring, minlength=len(keep))[keep])]
        if self.to is not None:
            self.hole_xy_to = np.concatenate([h.xy_to for h in done])[kept]
            wkb = [w for h in done for w in h.wkb_to]
            self.hole_wkb_to = [wkb[k] for k in np.flatnonzero(keep)]
        following = np.arange(len(self.hole_xy)) + 1  # shoelace round each ring
        following[self.hole_start[1:] - 1] = self.hole_start[:-1]
        x, y = self.hole_xy.T
        self.hole_area = np.abs(np.add.reduceat(x * y[following] - x[following] * y, self.hole_start[:-1])) / 2 \
            if len(self.hole_xy) else np.empty(0)
        rows = np.concatenate([h.cutter_block for h in done])
        cols = np.concatenate([h.cutter_edge for h in done])
        cutters = csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=self.sides.shape)
        self.relevant = (self.sides + self.borders + cutters).tocsr()
        self.relevant.data[:] = 1
        self.relevant_by_edge = self.relevant.T.tocsr()
        self.relevant_count = np.diff(self.relevant.indptr)

    def cut_holes(self, faces: np.ndarray) -> Holes:
        """The holes of these blocks, and the edges (not sides) whose buffers reach into them.

        A block shrunk by the buffer is what its sides' buffers leave of it. Lines coming
        within the buffer less a round join's sag of it cut it: their buffers are taken
        from the hole. In a traced (planar) network only the lines inside a block can:
        no line outside it comes nearer a point inside it than its outline does (the way
        there crosses the outline); noded, a line may run along the outline, then into it.
        """
        xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(self.polygons[faces]), return_index=True)
        holes = [shrink(shell, self.buffer_m) for shell in split(xy - self.origin, ring, closed=True)]
        reach = self.buffer_m - arc_tolerance(self.buffer_m)
        solid = np.flatnonzero([len(h) > 0 for h in holes])
        if self.noded:  # a line may leave a block's outline into it: look for lines near each hole
            at, edge = shapely.STRtree(self.lines).query(self._hole_shapes(holes, solid), predicate="dwithin",
                                                         distance=reach)
            at = solid[at]
            keep = np.asarray(self.sides[faces[at], edge]).ravel() == 0 if len(at) else np.ones(0, dtype=bool)
            at, edge = at[keep], edge[keep]
        else:  # only lines inside a block can come nearer a point in it than its outline
            edge = np.flatnonzero(np.isin(self.within, faces[solid]))
            at = np.searchsorted(faces, self.within[edge])  # the blocks come sorted
            if len(edge):
                near = shapely.distance(self.lines[edge], self._hole_shapes(holes, at)) < reach
                edge, at = edge[near], at[near]
        for k in np.unique(at):
            left = cut(holes[k], self._lines(edge[at == k]), self.buffer_m, self.origin)
            island = np.any(shapely.get_num_interior_rings(left) > 0)
            cut_xy, cut_ring = shapely.get_coordinates(shapely.get_exterior_ring(left), return_index=True)
            holes[k] = None if island else split(cut_xy - self.origin, cut_ring, closed=True)
        rings = [r for h in holes if h for r in h]
        ring_block = np.repeat(faces, [len(h) if h else 0 for h in holes])
        islands = faces[np.array([h is None for h in holes], dtype=bool)]
        xy = np.concatenate(rings) if rings else np.empty((0, 2))
        ring = np.repeat(np.arange(len(rings)), [len(r) for r in rings])
        xy_to, wkb_to = None, None
        if self.to is not None:
            xy_to = transform_xy(self.to, xy + self.origin)
            start, end = owner_runs(ring)
            wkb_to = [ewkb.ring(np.concatenate([r, r[:1]])) for r in slice_rows(xy_to, start, end)]
        return Holes(xy, ring, ring_block, islands, faces[at], edge, xy_to, wkb_to)

    def _hole_shapes(self, holes: list[list[np.ndarray]], which: np.ndarray) -> np.ndarray:
        """MultiPolygons of these blocks' holes (rings from `shrink`, metres from `origin`)."""
        out = np.empty(len(which), dtype=object)
        out[:] = [shapely.MultiPolygon(list(shapely.polygons(ring_geoms(holes[k], self.origin)))) for k in which]
        return out

    def fill(self, pieces: Pieces, cutter: LineCutter) -> Filled:
        """`polygon(cutter.lines(pieces), buffer_m)` (geo.walking._pieces), built from the full
        blocks and the fringe: the union of the full blocks grown by the buffer and of the
        fringe's buffers, and the full blocks' holes in it (`shape` or `ewkb` make the polygon)."""
        whole = (pieces.start_m <= 0) & (pieces.end_m >= cutter.graph.length_m[pieces.edge])
        by_edge = self.relevant_by_edge  # count each block's whole relevant edges (each edge is one piece)
        start = by_edge.indptr[pieces.edge[whole]]
        count = by_edge.indptr[pieces.edge[whole] + 1] - start
        reached_whole = np.bincount(by_edge.indices[ranges(start, count)], minlength=len(self.polygons))
        full = np.flatnonzero((reached_whole == self.relevant_count) & (self.relevant_count > 0) & self.usable)
        is_full = np.zeros(len(self.polygons) + 1, dtype=np.int32)  # the last: no block
        is_full[full] = 1
        beside = is_full[self.edge_blocks[pieces.edge]]
        covered = (whole & ((beside[:, 0] > 0) | (beside[:, 1] > 0))) | (is_full[self.within[pieces.edge]] > 0)
        fringe = Pieces(pieces.edge[~covered], pieces.start_m[~covered], pieces.end_m[~covered])
        lines = self._paths(fringe, cutter)
        shells: list[np.ndarray] = []
        if len(full) and self.half_face is not None:
            shells = self._outline(pieces.edge[whole], is_full)
        elif len(full):
            region = shapely.coverage_union_all(self.polygons[full])
            xy, ring = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(shapely.orient_polygons(region))),
                                               return_index=True)
            shells = split(xy - self.origin, ring, closed=True)
        filled = buffer_union(shells, lines, self.buffer_m, self.origin)
        holes = np.flatnonzero(is_full[self.hole_ring_block] > 0)
        owner = np.zeros(len(holes), dtype=np.int64)
        if len(filled) > 1:  # each hole lies inside one part, away from its boundary
            at, part = shapely.STRtree(filled).query(shapely.points(self.hole_xy[self.hole_start[holes]] + self.origin),
                                                     predicate="within")
            owner[at] = part
        return Filled(filled, holes, owner, float(shapely.area(filled).sum() - self.hole_area[holes].sum()))

    def shape(self, filled: Filled, to: Transformer | None = None) -> shapely.MultiPolygon:
        """The polygon `fill` found, transformed by `to` if given (the blocks' own `to`)."""
        parts, holes = filled.parts, self.hole_rings(filled.holes, to)
        if to is not None:
            parts = shapely.transform(parts, partial(transform_xy, to))
        return shapely.multipolygons([shapely.polygons(shapely.get_exterior_ring(part),
                                                       holes=np.concatenate([shapely.get_rings(part)[1:],
                                                                             holes[filled.owner == k]]))
                                      for k, part in enumerate(parts)])

    def hole_rings(self, which: np.ndarray, to: Transformer | None = None) -> np.ndarray:
        """These holes as LinearRings, in the metric CRS or transformed by `to` (the blocks' own `to`)."""
        xy = self.hole_xy + self.origin if to is None else self.hole_xy_to
        start, end = self.hole_start[which], self.hole_start[which + 1]
        at = ranges(start, end - start)
        return shapely.linearrings(xy[at], indices=np.repeat(np.arange(len(which)), end - start)) if len(at) \
            else np.empty(0, dtype=object)

    def ewkb(self, filled: Filled, to: Transformer) -> bytes:
        """The polygon `fill` found, transformed by `to` (the blocks' own `to`), as EWKB with
        SRID 4326: the full blocks' holes as encoded once by `complete`."""
        rings, part = shapely.get_rings(filled.parts, return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        xy = transform_xy(to, xy)
        own = slice_rows(xy, *owner_runs(ring))
        polygons: list[list[bytes]] = [[] for _ in range(len(filled.parts))]
        for k, coordinates in zip(part.tolist(), own, strict=True):
            polygons[k].append(ewkb.ring(coordinates))
        for k, hole in zip(filled.owner.tolist(), filled.holes.tolist(), strict=True):
            polygons[k].append(self.hole_wkb_to[hole])
        return ewkb.multipolygon(polygons, STORAGE_EPSG)


    def _outline(self, whole: np.ndarray, is_full: np.ndarray) -> list[np.ndarray]:
        """The outline of the full blocks (`is_full`, by block; the last entry: no block) as
        rings from `origin`, the blocks on their left: the half-edges of the `whole` edges
        with a full block on their left and none on their right, each followed by the next
        such round the node it ends at."""
        half = np.column_stack([2 * whole, 2 * whole + 1]).ravel()
        half = np.sort(half[(is_full[self.half_face[half]] > 0) & (is_full[self.half_face[half ^ 1]] == 0)])
        after = self.half_next[half]
        across = is_full[self.half_face[after ^ 1]] > 0
        while across.any():  # the full blocks go on across `after`: turn round the node into the next one
            after[across] = self.half_next[after[across] ^ 1]
            across[across] = is_full[self.half_face[after[across] ^ 1]] > 0
        order, ring = cycle_order(np.searchsorted(half, after))
        points, count = half_edge_points(self.line_xy, self.line_start[:-1], self.line_start[1:] - 1, half[order])
        return split(points, np.repeat(ring[order], count))

    def _lines(self, edges: np.ndarray) -> list[np.ndarray]:
        """These edges' lines as coordinates from `origin`."""
        return slice_rows(self.line_xy, self.line_start[edges], self.line_start[edges + 1])

    def _paths(self, pieces: Pieces, cutter: LineCutter) -> list[np.ndarray]:
        """The pieces' lines as coordinates from `origin`: whole edges' as kept, the others cut
        as `LineCutter.lines` cuts them (each span's share of its line's length in the metric CRS)."""
        length = cutter.graph.length_m[pieces.edge]
        partial = (pieces.start_m > 0) | (pieces.end_m < length)
        out = self._lines(pieces.edge[~partial])
        if not partial.any():
            return out
        edge, safe = pieces.edge[partial], np.where(length[partial] > 0, length[partial], 1.0)
        first, last = self.line_start[edge], self.line_start[edge + 1] - 1
        begin, metric = self.line_along[first], self.line_along[last] - self.line_along[first]
        along = begin + metric * np.stack([pieces.start_m[partial] / safe, pieces.end_m[partial] / safe])
        a = np.clip(np.searchsorted(self.line_along, along[0], side="right") - 1, first, last - 1)
        b = np.clip(np.searchsorted(self.line_along, along[1], side="left"), first + 1, last)
        inner = b - a - 1
        count = inner + 2  # the two cut points and the vertices between them
        at = np.cumsum(count) - count
        points = np.empty((int(count.sum()), 2))
        points[at] = self._at(a, along[0])
        points[at + count - 1] = self._at(b - 1, along[1])
        points[ranges(at + 1, inner)] = self.line_xy[ranges(a + 1, inner)]
        return out + slice_rows(points, at, at + count)

    def _at(self, segment: np.ndarray, along: np.ndarray) -> np.ndarray:
        """The points this far along (`line_along` units) on these segments (from vertex `segment`)."""
        d0, d1 = self.line_along[segment], self.line_along[segment + 1]
        t = np.where(d1 > d0, (along - d0) / np.where(d1 > d0, d1 - d0, 1.0), 0.0)
        return self.line_xy[segment] + t[:, None] * (self.line_xy[segment + 1] - self.line_xy[segment])
