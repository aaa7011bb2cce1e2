"""Bulk assignment of points to grids by the rule of SQL `wangge_grid_for_point`, for millions of points.

The covering grid of the assignment system, boundary included (`inside`; on shared edges the smallest
code); else the grid nearest on the ellipsoid: `nearest` within `fallback_m`, else `out_of_area` (no
grid; the distance kept, as SQL keeps it); NaN coordinates (SQL: a NULL point): `no_location`.

    index = load(conn)             # once: grids and settings from PostGIS, rasters (2-3 s for the demo)
    a = assign(index, lon, lat)    # a.grid_id (-1: none), a.method, a.distance_m (metres)

A raster holds the answer of each cell no grid edge crosses: most points need one lookup; in the other
cells GEOS tests the grids whose envelope meets the cell, except within `NEAR_DEG` of an edge, where
PostGIS's own test (a winding number in plain doubles, not robust like GEOS's) is replayed operation for
operation. Distances replay PostGIS geography: per grid the nearest point of its edges on the sphere,
then the WGS 84 geodesic to it (GeographicLib, as PostGIS), rounded to 1e-8 m, among the `KNN` grids
nearest in degrees as in the SQL. Candidate edges come from a coarse raster of edge lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import psycopg
import shapely
from pyproj import Geod
from scipy import ndimage

MAX_CELLS = 4_000_000  # labels raster: at most this many cells (int32, 16 MB)
MIN_CELL_DEG = 2e-5  # and none finer than this (degrees, about 2 m)
NEAR_DEG = 1e-9  # nearer than this to an edge (degrees, about 0.1 mm): PostGIS's own arithmetic decides
FAST_CELL_M, FAST_MARGIN_M = 25.0, 1000.0  # edge-list raster: cell (or larger, for at most MAX_CELLS / 8
# cells) and its reach beyond the grids (metres)
SLACK, SLACK_M = 1.01, 0.1  # distance candidates: within SLACK × the nearest + SLACK_M (flat metric, m)
KNN = 8  # the SQL ranks only the 8 grids nearest in degrees (`ORDER BY geom <-> p LIMIT 8`)
ROUND_M = 1e8  # PostGIS rounds geography distances to 1e-8 m (ticket #2168)
OUTSIDE = -1  # label: in no grid; a cell crossed by edges is labelled -2 - (its number)
WGS84 = Geod(ellps="WGS84")
METHODS = np.array(["inside", "nearest", "out_of_area", "no_location"], dtype=object)


@dataclass(frozen=True)
class Assignment:
    """Per point: grid id (-1: none), method, distance in metres (0 inside, NaN without location)."""

    grid_id: np.ndarray
    method: np.ndarray
    distance_m: np.ndarray


@dataclass(frozen=True)
class GridIndex:
    """Grids in code order (index 0: smallest code), built once. Edges `seg` (x1 y1 x2 y2, degrees;
    `sphere`: `_sphere_edges`) come by grid (`seg_grid`, `grid_ptr`), part and ring (`rings`: ring and
    part of each edge). `scale`: metres per degree of lon, lat. A raster is (west, south, dx, dy, ny, nx)
    in degrees: `labels` holds a grid index, OUTSIDE, or -2 - k for crossed cell k, whose edges and
    candidate grids are `crossed` = (ptr, edges, ptr, grids); `fast_lists`: see `_fast_lists`."""

    ids: np.ndarray
    geoms: np.ndarray
    fallback_m: float
    scale: np.ndarray
    seg: np.ndarray
    sphere: np.ndarray
    seg_grid: np.ndarray
    grid_ptr: np.ndarray
    rings: np.ndarray
    raster: tuple
    labels: np.ndarray
    crossed: tuple
    fast: tuple
    fast_lists: tuple

    @classmethod
    def build(cls, ids, codes, geoms, fallback_m: float = 200.0) -> GridIndex:
        """Index grids given as ids, codes and EPSG:4326 (Multi)Polygons; `fallback_m` in metres."""
        order = np.argsort(np.asarray(codes, dtype=str), kind="stable")
        ids, geoms = np.asarray(ids, dtype=np.int64)[order], np.asarray(geoms, dtype=object)[order]
        shapely.prepare(geoms)
        parts, part_grid = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        seg, ring = np.column_stack([xy[:-1][same], xy[1:][same]]), ring[:-1][same]
        west, south, east, north = bounds = shapely.total_bounds(geoms)
        phi, e2 = np.radians((south + north) / 2), WGS84.es
        scale = np.pi / 180 * WGS84.a * np.array([np.cos(phi), (1 - e2) / (1 - e2 * np.sin(phi) ** 2)])
        scale /= np.sqrt(1 - e2 * np.sin(phi) ** 2)  # N cos φ and M: metres per degree of lon, lat
        size = max(MIN_CELL_DEG, np.sqrt((east - west) * (north - south) / MAX_CELLS))
        r = (west, south, size, size, int((north - south) / size) + 1, int((east - west) / size) + 1)
        cells, edges = _cells_near_edges(seg, r)
        crossed, first = np.unique(cells, return_index=True)
        labels = np.zeros(r[4] * r[5], dtype=np.int32)
        labels[crossed] = -2 - np.arange(len(crossed))
        # Cells no edge touches form connected regions, each wholly in one grid or none: one test each.
        regions = ndimage.label(labels.reshape(r[4], r[5]) == 0)[0].ravel()
        region, sample = np.unique(regions[regions > 0], return_index=True)
        tree, value = shapely.STRtree(geoms), np.full(regions.max() + 1, OUTSIDE, dtype=np.int32)
        centre = shapely.points(*_centre(r, np.flatnonzero(regions > 0)[sample]))
        value[region] = _min_per(len(region), *tree.query(centre, predicate="covered_by"))
        labels[regions > 0] = value[regions[regions > 0]]
        cx, cy = _centre(r, crossed)  # a crossed cell's candidates: the grids whose envelope meets it
        c, g = tree.query(shapely.box(cx - size, cy - size, cx + size, cy + size))
        seg_grid = part_grid[ring_part[ring]]
        return cls(ids, geoms, float(fallback_m), scale, seg, _sphere_edges(seg), seg_grid,
                   _ptr(seg_grid, len(ids)), np.stack([ring, ring_part[ring]]), r, labels.reshape(r[4], r[5]),
                   (np.r_[first, len(cells)], edges, _ptr(c, len(crossed)), g),
                   *_fast_lists(seg * np.tile(scale, 2), geoms, scale, bounds))


def load(conn: psycopg.Connection, system: str | None = None) -> GridIndex:
    """Grids of `system` (default `assignment_settings.grid_system`) and the fallback distance, indexed."""
    cfg_system, fallback_m = conn.execute("SELECT grid_system, fallback_m FROM assignment_settings").fetchone()
    rows = conn.execute("SELECT id, code, ST_AsBinary(geom) FROM grids WHERE system = %s",
                        (system or cfg_system,)).fetchall()
    if not rows:
        raise ValueError(f"no grids of system {system or cfg_system!r}")
    return GridIndex.build([r[0] for r in rows], [r[1] for r in rows],
                           shapely.from_wkb([bytes(r[2]) for r in rows]), fallback_m)


def assign(index: GridIndex, lon, lat) -> Assignment:
    """Assign points (EPSG:4326 degrees, arrays of any length) as `wangge_grid_for_point` does."""
    lon, lat = np.asarray(lon, dtype=np.float64).ravel(), np.asarray(lat, dtype=np.float64).ravel()
    cell = _cell(index.raster, lon, lat)
    grid = np.where(cell >= 0, index.labels.ravel()[cell], OUTSIDE).astype(np.int64)
    crossed = np.flatnonzero(grid < OUTSIDE)
    grid[crossed] = _crossed_cells(index, lon[crossed], lat[crossed], -2 - grid[crossed])
    method, dist = np.where(grid >= 0, 0, 3).astype(np.int8), np.where(grid >= 0, 0.0, np.nan)
    rest = np.flatnonzero((grid < 0) & np.isfinite(lon) & np.isfinite(lat))
    if rest.size and len(index.ids):
        near, d = _nearest(index, lon[rest], lat[rest])
        ok = d <= index.fallback_m
        grid[rest], method[rest], dist[rest] = np.where(ok, near, OUTSIDE), np.where(ok, 1, 2), d
    method[(method == 3) & np.isfinite(lon) & np.isfinite(lat)] = 2  # there are no grids at all
    return Assignment(np.append(index.ids, -1)[grid], METHODS[method], dist)


def _cell(r: tuple, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flat cell number of each point (degrees) in raster `r`; -1 outside it and for NaN."""
    west, south, dx, dy, ny, nx = r
    ix, iy = np.floor((lon - west) / dx), np.floor((lat - south) / dy)
    return np.where((ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny), iy * nx + ix, -1).astype(np.int64)


def _centre(r: tuple, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon, lat (degrees) of the centres of cells of raster `r`."""
    iy, ix = np.divmod(cells, r[5])
    return r[0] + (ix + 0.5) * r[2], r[1] + (iy + 0.5) * r[3]


def _cells_near_edges(seg: np.ndarray, r: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(cell, edge) pairs, by cell, for each cell of raster `r` that an edge widened by NEAR_DEG touches."""
    west, south, dx, dy, ny, nx = r
    steps = np.ceil(np.hypot(*(seg[:, 2:] - seg[:, :2]).T) / (dx / 2)).astype(np.int64) + 1
    edge, k = _expand(np.zeros(len(seg), dtype=np.int64), steps)  # pieces half a cell long: <= 2 × 2 cells
    ends = seg[edge, :2] + (np.stack([k, k + 1]) / steps[edge])[..., None] * (seg[edge, 2:] - seg[edge, :2])
    lo = np.floor((ends.min(axis=0) - NEAR_DEG - (west, south)) / (dx, dy)).astype(np.int64)
    hi = np.floor((ends.max(axis=0) + NEAR_DEG - (west, south)) / (dx, dy)).astype(np.int64)
    cell = [np.clip(b[:, 1], 0, ny - 1) * nx + np.clip(a[:, 0], 0, nx - 1) for a in (lo, hi) for b in (lo, hi)]
    key = np.unique(np.concatenate(cell) * len(seg) + np.tile(edge, 4))
    return key // len(seg), key % len(seg)


def _fast_lists(seg_m, geoms, scale, bounds) -> tuple[tuple, tuple]:
    """Coarse raster over the grids and FAST_MARGIN_M around them; per cell (ptr, edges, usable): the
    edges that may be nearest (flat metric) to one of its points, by edge number (so by grid); usable
    when at most KNN grids are near enough to outrank the winner in degrees."""
    side = max(FAST_CELL_M, np.sqrt(np.prod((bounds[2:] - bounds[:2]) * scale + 2 * FAST_MARGIN_M) / MAX_CELLS * 8))
    (mx, my), (dx, dy), half = FAST_MARGIN_M / scale, side / scale, side / np.sqrt(2)
    r = (bounds[0] - mx, bounds[1] - my, dx, dy, int((bounds[3] - bounds[1] + 2 * my) / dy) + 1,
         int((bounds[2] - bounds[0] + 2 * mx) / dx) + 1)
    centres = shapely.points(np.column_stack(_centre(r, np.arange(r[4] * r[5]))) * scale)
    lines = shapely.STRtree(shapely.linestrings(seg_m.reshape(-1, 2, 2)))
    (c, _), d = lines.query_nearest(centres, return_distance=True)
    reach = np.full(len(centres), np.inf)
    np.minimum.at(reach, c, d)
    reach = (reach + half) * SLACK + SLACK_M + half
    c, e = lines.query(centres, predicate="dwithin", distance=reach)
    near = shapely.STRtree(shapely.transform(geoms, lambda xy: xy * scale)).query(
        centres, predicate="dwithin", distance=reach * scale[1] / scale[0] + half)[0]
    o = np.lexsort((e, c))
    return r, (_ptr(c[o], len(centres)), e[o], np.bincount(near, minlength=len(centres)) <= KNN)


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    """CSR pointers over sorted `keys`: the members of key k are [ptr[k], ptr[k + 1])."""
    return np.searchsorted(keys, np.arange(n + 1))


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, start + count): (range number, position) of each member, in order."""
    rep = np.repeat(np.arange(len(counts)), counts)
    return rep, starts[rep] + np.arange(len(rep)) - (np.cumsum(counts) - counts)[rep]


def _min_per(n: int, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Smallest grid index (smallest code) per point among pairs (p, g); OUTSIDE for none."""
    best = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(best, p, g)
    return np.where(best == np.iinfo(np.int64).max, OUTSIDE, best)


def _crossed_cells(index: GridIndex, x, y, k) -> np.ndarray:
    """Covering grid (or OUTSIDE) of points in crossed cells `k`: GEOS, or PostGIS's test near an edge."""
    eptr, edges, gptr, grids = index.crossed
    rep, pos = _expand(eptr[k], eptr[k + 1] - eptr[k])
    near = np.zeros(len(x), dtype=bool)
    near[rep[_seg_dist(x[rep], y[rep], *index.seg[edges[pos]].T) <= NEAR_DEG]] = True
    p, pos = _expand(gptr[k], gptr[k + 1] - gptr[k])
    g, hit, close = grids[pos], np.zeros(len(p), dtype=bool), near[p]
    hit[~close] = shapely.intersects_xy(index.geoms[g[~close]], x[p[~close]], y[p[~close]])  # robust
    hit[close] = _postgis_covers(index, x[p[close]], y[p[close]], g[close])
    return _min_per(len(x), p[hit], g[hit])


def _seg_dist(px, py, x1, y1, x2, y2) -> np.ndarray:
    """Planar distance from points to segments, in the unit of the coordinates."""
    dx, dy = x2 - x1, y2 - y1
    t = np.clip(((px - x1) * dx + (py - y1) * dy) / np.maximum(dx * dx + dy * dy, 1e-300), 0.0, 1.0)
    return np.hypot(px - x1 - t * dx, py - y1 - t * dy)


def _postgis_covers(index: GridIndex, px, py, g) -> np.ndarray:
    """PostGIS's ST_Covers(grid, point) for (point, grid) pairs: its winding number in plain doubles."""
    rep, s = _expand(index.grid_ptr[g], index.grid_ptr[g + 1] - index.grid_ptr[g])
    (x1, y1, x2, y2), x, y, (ring, part) = index.seg[s].T, px[rep], py[rep], index.rings[:, s]
    side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1)  # determineSide(): same operations, same rounding
    real = (x1 != x2) | (y1 != y2)  # zero-length edges are skipped
    on = real & (side == 0) & (np.minimum(x1, x2) <= x) & (x <= np.maximum(x1, x2)) & \
        (np.minimum(y1, y2) <= y) & (y <= np.maximum(y1, y2))
    wind = real * (((y1 <= y) & (y < y2) & (side > 0)).astype(np.int64) - ((y2 <= y) & (y < y1) & (side < 0)))
    start = np.flatnonzero(np.r_[True, (rep[1:] != rep[:-1]) | (ring[1:] != ring[:-1])][:len(rep)])
    status = np.where(np.logical_or.reduceat(on, start), 0, np.where(np.add.reduceat(wind, start), 1, -1))
    pair, part = rep[start], part[start]  # per ring: 0 on it, 1 inside, -1 outside; exterior ring first
    first = np.r_[True, (pair[1:] != pair[:-1]) | (part[1:] != part[:-1])][:len(pair)]
    in_hole = np.logical_or.reduceat(~first & (status == 1), np.flatnonzero(first))
    covered = np.zeros(len(g), dtype=bool)  # a part covers unless outside its exterior or inside a hole
    np.logical_or.at(covered, pair[first], (status[first] != -1) & ~in_hole)
    return covered


def _nearest(index: GridIndex, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """For points in no grid: the grid the SQL fallback ranks first (or OUTSIDE), and its distance (m)."""
    ptr, edges, usable = index.fast_lists
    cell = _cell(index.fast, lon, lat)
    fast = (cell >= 0) & usable[cell]
    rep, pos = _expand(ptr[cell[fast]], ptr[cell[fast] + 1] - ptr[cell[fast]])
    p, e = np.flatnonzero(fast)[rep], edges[pos]
    d = _seg_dist(lon[p] * index.scale[0], lat[p] * index.scale[1], *(index.seg[e] * np.tile(index.scale, 2)).T)
    best = np.full(len(lon), np.inf)
    np.minimum.at(best, p, d)
    p, e = p[d <= best[p] * SLACK + SLACK_M], e[d <= best[p] * SLACK + SLACK_M]
    if (~fast).any():  # farther: the KNN grids nearest in degrees (beyond ky/kx × the nearest none win)
        slow, tree = np.flatnonzero(~fast), shapely.STRtree(index.geoms)
        (q, h), dq = tree.query_nearest(pts := shapely.points(lon[slow], lat[slow]), return_distance=True)
        q, h = tree.query(pts, predicate="dwithin", distance=dq[np.searchsorted(q, np.arange(len(slow)))]
                          * index.scale[1] / index.scale[0] * 1.01)
        o = np.lexsort((shapely.distance(pts[q], index.geoms[h]), q))
        o = o[np.arange(len(o)) - np.searchsorted(q[o], q[o]) < KNN]
        o = o[np.lexsort((h[o], q[o]))]  # by point, then grid
        rep, pos = _expand(index.grid_ptr[h[o]], index.grid_ptr[h[o] + 1] - index.grid_ptr[h[o]])
        p, e = np.r_[p, slow[q[o][rep]]], np.r_[e, pos]
    # liblwgeom edge_distance_to_point: the great-circle foot if inside the edge's cone, else the nearer
    # end, the first minimum kept; ranked by chord, which orders as the distance on the sphere.
    pc, g = _cart(lon, lat)[:, p], index.seg_grid[e]  # pairs come by point, then grid
    normal, start, end, mid, cone = (index.sphere[i:i + 3, e] for i in (0, 3, 6, 9, 12))
    foot = _unit(pc - normal * (pc * normal).sum(axis=0))
    chord, cf = np.stack([((pc - v) ** 2).sum(axis=0) for v in (foot, start, end)]), (foot * mid).sum(axis=0)
    chord[0, (cf < cone[0]) & (np.abs(cf - cone[0]) >= 2e-16)] = np.inf
    which = chord.argmin(axis=0)
    c, best = chord[which, np.arange(len(p))], np.full(len(lon), np.inf)
    np.minimum.at(best, p, c)
    o = np.flatnonzero(c <= best[p] * SLACK**2)  # the grids that may win on the ellipsoid, by their
    run = np.r_[True, (p[o][1:] != p[o][:-1]) | (g[o][1:] != g[o][:-1])]  # nearest edge (the first)
    o = o[c[o] == np.minimum.reduceat(c[o], np.flatnonzero(run))[np.cumsum(run) - 1]]
    o = o[np.r_[True, (p[o][1:] != p[o][:-1]) | (g[o][1:] != g[o][:-1])]]
    w, (x1, y1, x2, y2) = which[o], index.seg[e[o]].T
    to = [np.select([w == 0, w == 1], [f * 180.0 / np.pi, a], b) for f, a, b in
          ((np.arctan2(foot[1, o], foot[0, o]), x1, x2), (np.arcsin(foot[2, o]), y1, y2))]
    d = np.floor(np.asarray(WGS84.inv(lon[p[o]], lat[p[o]], *to)[2]) * ROUND_M + 0.5) / ROUND_M
    p, g, new = p[o], g[o], np.r_[True, p[o][1:] != p[o][:-1]]  # codes ascending: first smallest wins
    win = np.flatnonzero(d == np.minimum.reduceat(d, np.flatnonzero(new))[np.cumsum(new) - 1])
    win = win[np.r_[True, p[win][1:] != p[win][:-1]]]
    grid, dist = np.full(len(lon), OUTSIDE, dtype=np.int64), np.full(len(lon), np.nan)
    grid[p[win]], dist[p[win]] = g[win], d[win]
    return grid, dist


def _sphere_edges(seg: np.ndarray) -> np.ndarray:
    """Edges on the unit sphere as liblwgeom has them, a (13, n) array: unit normal
    (robust_cross_product), start, end, unit bisector, and start · bisector (the edge's cone)."""
    lo1, la1, lo2, la2 = np.pi * seg.T / 180.0
    qpp, qmp, smq, spq = (lo2 + lo1) / -2.0, (lo2 - lo1) / 2.0, np.sin(la1 - la2), np.sin(la1 + la2)
    normal = _unit(np.stack([smq * np.sin(qpp) * np.cos(qmp) - spq * np.cos(qpp) * np.sin(qmp),
                             smq * np.cos(qpp) * np.cos(qmp) + spq * np.sin(qpp) * np.sin(qmp),
                             np.cos(la1) * np.cos(la2) * np.sin(lo2 - lo1)]))
    start, end = _cart(*seg[:, :2].T), _cart(*seg[:, 2:].T)
    mid = _unit(start + end)
    return np.concatenate([normal, start, end, mid, (start * mid).sum(axis=0)[None]])


def _cart(lon, lat) -> np.ndarray:
    """Unit vectors (3, n) of points on the sphere, lon/lat in degrees (liblwgeom `geog2cart`)."""
    lon, lat = np.pi * np.asarray(lon) / 180.0, np.pi * np.asarray(lat) / 180.0
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _unit(v) -> np.ndarray:
    """Vectors (3, n) scaled to length 1; tiny ones to zero (liblwgeom `normalize`)."""
    norm = np.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    return v / np.where(norm > 1e-12, norm, np.inf)
