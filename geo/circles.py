"""Walking circles: the street network reached within a walking time, buffered into polygons."""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely import ops

from geo.graph import WalkGraph
from geo.reach import CHUNK, distances_from
from geo.snap import Snapped

# GB 50180-2018: the 15-minute circle is about 1,000 m of walking, i.e. 4 km/h.
DEFAULT_MINUTES = (5.0, 10.0, 15.0)
DEFAULT_SPEED_KMH = 4.0
DEFAULT_BUFFER_M = 25.0
# Segments per quarter circle in buffers: 4 keeps round ends within 2 % of the radius.
BUFFER_QUAD_SEGS = 4
METRES_PER_KM = 1000.0
MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class WalkParams:
    """Walking times (minutes), speed (km/h) and the buffer around reached streets (m)."""

    minutes: tuple[float, ...] = DEFAULT_MINUTES
    speed_kmh: float = DEFAULT_SPEED_KMH
    buffer_m: float = DEFAULT_BUFFER_M

    def __post_init__(self) -> None:
        if not self.minutes or min(self.minutes) <= 0 or self.speed_kmh <= 0 or self.buffer_m < 0:
            raise ValueError("步行时间和速度须为正数，缓冲距离不能为负")
        object.__setattr__(self, "minutes", tuple(sorted(set(float(m) for m in self.minutes))))

    def limit_m(self, minutes: float) -> float:
        """Walking distance in metres covered in `minutes` at this speed."""
        return self.speed_kmh * METRES_PER_KM / MINUTES_PER_HOUR * minutes


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
class _LineCutter:
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


def polygon(lines: np.ndarray, buffer_m: float, base: shapely.Geometry | None = None) -> shapely.MultiPolygon:
    """The lines (metric CRS) buffered by `buffer_m` and unioned, with `base` if given; holes kept.

    Buffering each line and unioning (GEOS cascaded union) is three times faster than
    buffering the whole multi-line, with the same result.
    """
    parts = shapely.buffer(lines, buffer_m, quad_segs=BUFFER_QUAD_SEGS)
    if base is not None:
        parts = np.append(parts, base)
    return shapely.multipolygons(shapely.get_parts(shapely.union_all(parts)))


@dataclass(frozen=True)
class Circle:
    """One station's walking circle for one walking time.

    `geom` is in the graph's metric CRS, or in EPSG:4326 when asked for (`lonlat=True`);
    `area_m2` is measured in the metric CRS either way.
    """

    source: int
    minutes: float
    limit_m: float
    reached_length_m: float
    area_m2: float
    geom: shapely.MultiPolygon


def source_circles(graph: WalkGraph, node_dist: np.ndarray, source: int, edge: int, offset_m: float,
                   params: WalkParams, cutter: _LineCutter) -> list[Circle]:
    """All rings of one source, smallest first; each ring grows the previous polygon.

    Edges reached whole in a smaller ring are reached whole in the larger ones, so the
    larger ring only buffers what changed and unions it with the smaller polygon.
    """
    out: list[Circle] = []
    previous: shapely.Geometry | None = None
    done_edges = np.array([], dtype=np.int64)
    for minutes in params.minutes:
        limit = params.limit_m(minutes)
        pieces = reached(graph, node_dist, limit, edge, offset_m)
        new = ~np.isin(pieces.edge, done_edges)
        fresh = Pieces(pieces.edge[new], pieces.start_m[new], pieces.end_m[new])
        previous = polygon(cutter.lines(fresh), params.buffer_m, previous)
        out.append(Circle(source, minutes, limit, pieces.length_m, previous.area, previous))
        whole = (pieces.start_m <= 0) & (pieces.end_m >= graph.length_m[pieces.edge])
        done_edges = pieces.edge[whole]
    return out


def circles(graph: WalkGraph, sources: Snapped, params: WalkParams, *, workers: int = 1, lonlat: bool = False,
            progress: Callable[[int], None] | None = None) -> Iterator[Circle]:
    """Walking circles of every on-network source for every walking time in `params`.

    With workers > 1 the sources are shared out to forked processes (the graph is
    inherited, not copied); results come back in source order chunk by chunk. With
    `lonlat` the polygons are returned in EPSG:4326, transformed by the workers.
    """
    chunks = [np.arange(i, min(i + CHUNK, len(sources.edge))) for i in range(0, len(sources.edge), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from _chunk_circles(graph, sources, params, chunk, lonlat)
            if progress:
                progress(len(chunk))
        return
    global _SHARED
    _SHARED = (graph, sources, params, lonlat)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for chunk, result in zip(chunks, pool.map(_chunk_in_worker, chunks), strict=True):
                yield from result
                if progress:
                    progress(len(chunk))
    finally:
        _SHARED = None


_SHARED: tuple[WalkGraph, Snapped, WalkParams, bool] | None = None


def _chunk_in_worker(chunk: np.ndarray) -> list[Circle]:
    graph, sources, params, lonlat = _SHARED
    return list(_chunk_circles(graph, sources, params, chunk, lonlat))


def _chunk_circles(graph: WalkGraph, sources: Snapped, params: WalkParams, chunk: np.ndarray,
                   lonlat: bool) -> Iterator[Circle]:
    cutter = _LineCutter(graph)
    longest = params.limit_m(max(params.minutes))
    transform = graph.to_storage
    for i, node_dist in distances_from(graph, sources, chunk, longest):
        if not sources.on_network[i]:
            continue
        for circle in source_circles(graph, node_dist, i, int(sources.edge[i]), float(sources.offset_m[i]),
                                     params, cutter):
            if lonlat:
                geom = shapely.transform(circle.geom,
                                         lambda xy: np.column_stack(transform.transform(xy[:, 0], xy[:, 1])))
                circle = dataclasses.replace(circle, geom=geom)
            yield circle
