"""Streets buffered and unioned, blocks grown and shrunk, on a 1 mm grid (Clipper2, through pyclipr).

A walking circle is the union of hundreds to thousands of street buffers. Clipper2's
offset buffers lines (round caps and joins: their vertices on the true circle, QUAD_SEGS
per quarter like GEOS's `quad_segs`) and grows or shrinks polygons, then unions what it
made in one sweep of a line across all edges. A sweep costs more the more edges cross the
sweep line: fine for the few hundred pieces of one circle's fringe (`buffer_union`), not
for thousands spread over kilometres (one sweep over Helsinki's streets was seven times
slower than GEOS), so `buffered` sweeps neighbours in groups of GROUP first and merges
the groups' outlines FAN at a time.

Clipper2 works on integers: coordinates are taken relative to a local origin and rounded
to `GRID_M`, so vertices lie within a millimetre of the exact ones, except where two
edges cross at a shallow angle (tests/geo/networks.is_buffer checks results against exact
distances). A ring that Clipper2 leaves passing a vertex twice (valid to Clipper, not to
OGC) is split by GEOS's make_valid.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import pyclipr
import shapely

# The grid the union is computed on (metres): 1 mm.
GRID_M = 0.001
# Polygons swept together first, neighbours by the order of CELL_M cells they lie in.
GROUP = 64
CELL_M = 200.0
# Partial unions merged by each later sweep.
FAN = 8
# Buffers: round caps and joins with this many segments per quarter circle (GEOS's quad_segs).
QUAD_SEGS = 4


def buffered(lines: np.ndarray, distance_m: float) -> np.ndarray:
    """The union of `lines` (LineStrings, metric CRS, metres) buffered by `distance_m`, as Polygons.

    Round caps and joins with their vertices on the true circle, QUAD_SEGS per quarter
    (GEOS's `quad_segs`; where GEOS cuts a bend's join with a single chord, Clipper2 keeps
    a vertex on the arc). Neighbouring lines (ordered by the CELL_M cells they lie in)
    are buffered and swept GROUP at a time, and the groups' outlines merged FAN at a time.
    """
    lines = np.asarray(lines, dtype=object)
    lines = lines[~shapely.is_empty(lines)]
    if len(lines) == 0 or distance_m <= 0:
        return np.empty(0, dtype=object)
    bounds = shapely.bounds(lines)
    lines = lines[np.lexsort(((bounds[:, 1] + bounds[:, 3]) // (2 * CELL_M),
                              (bounds[:, 0] + bounds[:, 2]) // (2 * CELL_M)))]
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    origin = np.floor(xy.min(axis=0))
    paths = np.split(xy - origin, np.flatnonzero(owner[1:] != owner[:-1]) + 1)
    if len(paths) <= GROUP:
        return buffer_union([], paths, distance_m, origin)
    groups = [_offset(paths[i:i + GROUP], distance_m) for i in range(0, len(paths), GROUP)]
    while len(groups) > FAN:
        groups = [_sweep(list(chain.from_iterable(groups[i:i + FAN]))) for i in range(0, len(groups), FAN)]
    return _valid_polygons(_sweep(list(chain.from_iterable(groups))), origin)


def _valid_polygons(rings: list[np.ndarray], origin: np.ndarray) -> np.ndarray:
    """Clipper2's rings (outlines counter-clockwise, holes clockwise, metres from `origin`) as
    Polygons in metres, each hole with the smallest outline around it (islands inside a
    hole are outlines again); a ring touching itself is split by make_valid."""
    if not rings:
        return np.empty(0, dtype=object)
    size = np.array([len(r) for r in rings])
    xy = np.concatenate(rings)
    ring = np.repeat(np.arange(len(rings)), size)
    following = np.arange(len(xy)) + 1
    following[np.cumsum(size) - 1] -= size  # each ring's last vertex is followed by its first
    twice_area = np.bincount(ring, xy[:, 0] * xy[following, 1] - xy[following, 0] * xy[:, 1], minlength=len(rings))
    outline = np.flatnonzero(twice_area > 0)
    owner = np.zeros(len(rings), dtype=np.int64)
    if len(outline) > 1:
        hole = np.flatnonzero(twice_area <= 0)
        starts = np.cumsum(size) - size
        on = np.isin(ring, outline)
        shells = shapely.polygons(shapely.linearrings(xy[on], indices=np.searchsorted(outline, ring[on])))
        at, part = shapely.STRtree(shells).query(shapely.points(xy[starts[hole]]), predicate="within")
        smallest = np.lexsort((twice_area[outline[part]], at))
        at, part = at[smallest], part[smallest]
        first = np.r_[True, at[1:] != at[:-1]] if len(at) else np.zeros(0, dtype=bool)
        owner[hole[at[first]]] = part[first]
        owner[outline] = np.arange(len(outline))
    order = np.lexsort((twice_area <= 0, owner))  # each polygon's outline first, then its holes
    made = shapely.linearrings(np.concatenate([rings[k] for k in order]) + origin,
                               indices=np.repeat(np.arange(len(order)), size[order]))
    out = shapely.polygons(made, indices=owner[order])
    # Clipper2's rings never cross; one may pass a vertex twice (touching itself): not OGC
    by_vertex = np.lexsort((xy[:, 1], xy[:, 0], ring))
    twice = np.all(xy[by_vertex][1:] == xy[by_vertex][:-1], axis=1) & (ring[by_vertex][1:] == ring[by_vertex][:-1])
    touching = np.zeros(len(out), dtype=bool)
    touching[owner[ring[by_vertex][1:][twice]]] = True
    if touching.any():
        out = np.concatenate([out[~touching],
                              shapely.get_parts(shapely.make_valid(out[touching], method="structure"))])
    return out


def _clipper(paths: list[np.ndarray]) -> pyclipr.Clipper:
    """A Clipper2 engine on the grid holding `paths` (closed rings, metres from the origin) as subjects."""
    clipper = pyclipr.Clipper()
    clipper.scaleFactor = round(1 / GRID_M)
    clipper.addPaths(paths, pyclipr.Subject)
    return clipper


def _sweep(paths: list[np.ndarray]) -> list[np.ndarray]:
    """The union of `paths` as rings: outlines counter-clockwise, holes clockwise, as they came in."""
    return _clipper(paths).execute(pyclipr.Union, pyclipr.FillRule.NonZero)


def _offset(lines: list[np.ndarray], distance_m: float) -> list[np.ndarray]:
    """`lines` (open paths, metres) buffered by `distance_m` and unioned, as rings."""
    offset = _offsetter(distance_m)
    offset.addPaths(lines, pyclipr.JoinType.Round, pyclipr.EndType.Round)
    return offset.execute(distance_m)


def _offsetter(distance_m: float) -> pyclipr.ClipperOffset:
    """A Clipper2 offset engine on the grid, stepping arcs of radius `distance_m` as GEOS's `quad_segs` does."""
    offset = pyclipr.ClipperOffset()
    offset.scaleFactor = round(1 / GRID_M)
    offset.arcTolerance = arc_tolerance(distance_m) / GRID_M
    return offset


def buffer_union(shells: list[np.ndarray], lines: list[np.ndarray], distance_m: float,
                 origin: np.ndarray) -> np.ndarray:
    """The union of `shells` grown by `distance_m` and of `lines` buffered by it, as Polygons.

    `shells` are closed rings (polygons' outlines counter-clockwise, holes clockwise; the
    closing vertex not repeated), `lines` open paths, all in metres from `origin`
    (metric CRS). One Clipper2 offset does it all: round joins and caps whose vertices
    lie on the true circle (QUAD_SEGS per quarter, as GEOS's `quad_segs`; a bend's join
    never sags more than a cap, where GEOS may cut it with one chord), unioned on the grid.
    """
    offset = _offsetter(distance_m)
    if shells:
        offset.addPaths(shells, pyclipr.JoinType.Round, pyclipr.EndType.Polygon)
    if lines:
        offset.addPaths(lines, pyclipr.JoinType.Round, pyclipr.EndType.Round)
    return _valid_polygons(offset.execute(distance_m), origin)


def shrink(shell: np.ndarray, distance_m: float) -> list[np.ndarray]:
    """The points of a polygon (`shell`: its counter-clockwise outline, closing vertex not
    repeated, metres from some origin) farther than `distance_m` from its outline, as
    counter-clockwise rings (none, one or several), round about its inward corners."""
    offset = _offsetter(distance_m)
    offset.addPaths([shell], pyclipr.JoinType.Round, pyclipr.EndType.Polygon)
    return offset.execute(-distance_m)


def cut(rings: list[np.ndarray], lines: list[np.ndarray], distance_m: float, origin: np.ndarray) -> np.ndarray:
    """The polygon of `rings` (as from `shrink`) less `lines` buffered by `distance_m`, as
    Polygons (metres from `origin` in, metric CRS out)."""
    offset = _offsetter(distance_m)
    offset.addPaths(lines, pyclipr.JoinType.Round, pyclipr.EndType.Round)
    clipper = _clipper(rings)
    clipper.addPaths(offset.execute(distance_m), pyclipr.Clip)
    return _valid_polygons(clipper.execute(pyclipr.Difference, pyclipr.FillRule.NonZero), origin)


def arc_tolerance(radius_m: float) -> float:
    """The sag (m) of a chord of QUAD_SEGS per quarter circle of this radius: Clipper2 then
    steps round arcs by exactly that angle, as GEOS does (a hair more, so that a half turn
    is QUAD_SEGS × 2 steps, not one more)."""
    return radius_m * (1 - np.cos(np.pi / 4 / QUAD_SEGS)) * (1 + 1e-6)
