"""Walking circles: the street network reached within a walking time, buffered into polygons."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely

from geo.coords.crs import to_ewkb
from geo.network.graph import MIN_EDGE_M, WalkGraph
from geo.network.reach import CHUNK, distances_from
from geo.network.snap import Snapped
from geo.walking._blocks import Blocks, Holes
from geo.walking._pieces import LineCutter, polygon, reached

# GB 50180-2018: the 15-minute circle is about 1,000 m of walking, i.e. 4 km/h.
DEFAULT_MINUTES = (5.0, 10.0, 15.0)
DEFAULT_SPEED_KMH = 4.0
DEFAULT_BUFFER_M = 25.0
# Sane ranges: walking circles beyond an hour, more rings than a map can show, speeds no one
# walks or buffers wider than a block would only make the server work for nothing.
MAX_MINUTES = 60.0
MAX_RINGS = 6
SPEED_RANGE_KMH = (1.0, 10.0)
MAX_BUFFER_M = 200.0
METRES_PER_KM = 1000.0
MINUTES_PER_HOUR = 60.0
# The blocks' holes go to the workers in this many lists each (evens out their work).
HOLE_PARTS_PER_WORKER = 4


@dataclass(frozen=True)
class WalkParams:
    """Walking times (minutes), speed (km/h) and the buffer around reached streets (m)."""

    minutes: tuple[float, ...] = DEFAULT_MINUTES
    speed_kmh: float = DEFAULT_SPEED_KMH
    buffer_m: float = DEFAULT_BUFFER_M

    def __post_init__(self) -> None:
        if not self.minutes or len(set(self.minutes)) > MAX_RINGS:
            raise ValueError(f"步行时间须为1～{MAX_RINGS}个")
        if not all(0 < m <= MAX_MINUTES for m in self.minutes):
            raise ValueError(f"步行时间须在0～{MAX_MINUTES:g}分钟之间")
        if not SPEED_RANGE_KMH[0] <= self.speed_kmh <= SPEED_RANGE_KMH[1]:
            raise ValueError(f"步行速度须在{SPEED_RANGE_KMH[0]:g}～{SPEED_RANGE_KMH[1]:g}公里/小时之间")
        if not 0 <= self.buffer_m <= MAX_BUFFER_M:
            raise ValueError(f"缓冲距离须在0～{MAX_BUFFER_M:g}米之间")
        object.__setattr__(self, "minutes", tuple(sorted(set(float(m) for m in self.minutes))))

    def limit_m(self, minutes: float) -> float:
        """Walking distance in metres covered in `minutes` at this speed."""
        return self.speed_kmh * METRES_PER_KM / MINUTES_PER_HOUR * minutes


@dataclass(frozen=True)
class Circle:
    """One station's walking circle for one walking time.

    `geom` is in the graph's metric CRS, or in EPSG:4326 when asked for (`lonlat=True`),
    or its EWKB (bytes, SRID 4326) when asked for that (`ewkb=True`);
    `area_m2` is measured in the metric CRS either way.
    """

    source: int
    minutes: float
    limit_m: float
    reached_length_m: float
    area_m2: float
    geom: shapely.MultiPolygon | bytes


def source_circles(graph: WalkGraph, node_dist: np.ndarray, source: int, edge: int, offset_m: float,
                   params: WalkParams, cutter: LineCutter, blocks: Blocks | None = None,
                   lonlat: bool = False, ewkb: bool = False) -> list[Circle]:
    """All rings of one source, smallest first, each built on its own (with `blocks` if given;
    in EPSG:4326 with `lonlat`, as EWKB with `ewkb`: the blocks' holes transformed by
    `Blocks.complete` with `Blocks.to` set before)."""
    out: list[Circle] = []
    to = graph.to_storage if lonlat or ewkb else None
    for minutes in params.minutes:
        limit = params.limit_m(minutes)
        pieces = reached(graph, node_dist, limit, edge, offset_m)
        if blocks:
            filled = blocks.fill(pieces, cutter)
            area = filled.area_m2
            geom = blocks.ewkb(filled, to) if ewkb else blocks.shape(filled, to)
        else:
            geom = polygon(cutter.lines(pieces), params.buffer_m)
            area = geom.area
            if to is not None:
                geom = shapely.transform(geom, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
            if ewkb:
                geom = to_ewkb(geom, binary=True)
        out.append(Circle(source, minutes, limit, pieces.length_m, area, geom))
    return out


def sources_blocks(graph: WalkGraph, sources: Snapped, params: WalkParams) -> Blocks | None:
    """The blocks around the on-network sources, as far as their longest walk can reach (None if no buffer).

    Walks are measured in `length_m`; the window allows for the metric CRS's lines being
    longer than that, and for the buffer.
    """
    on = np.flatnonzero(sources.on_network)
    if params.buffer_m <= 0 or len(on) == 0:
        return None
    points = shapely.line_interpolate_point(graph.lines[sources.edge[on]], sources.fraction[on], normalized=True)
    stretch = max(1.0, float(np.max(shapely.length(graph.lines) / np.maximum(graph.length_m, MIN_EDGE_M))))
    reach_m = params.limit_m(max(params.minutes)) * stretch + params.buffer_m
    return Blocks.build(graph, params.buffer_m, tuple(shapely.bounds(shapely.multipoints(points))
                                                      + np.array([-1, -1, 1, 1]) * reach_m))


def circles(graph: WalkGraph, sources: Snapped, params: WalkParams, *, workers: int = 1, lonlat: bool = False,
            ewkb: bool = False, progress: Callable[[int], None] | None = None) -> Iterator[Circle]:
    """Walking circles of every on-network source for every walking time in `params`.

    The blocks around the sources (`sources_blocks`) are found first, in this process,
    and their holes completed; with workers > 1 the holes are shared out to forked
    processes, then the sources (the graph and the blocks are inherited, not copied);
    results come back in source order chunk by chunk. With `lonlat` the polygons are
    returned in EPSG:4326, transformed by the workers; with `ewkb` too, as EWKB encoded by
    the workers (what a binary COPY into PostGIS takes).
    """
    chunks = [np.arange(i, min(i + CHUNK, len(sources.edge))) for i in range(0, len(sources.edge), CHUNK)]
    blocks = sources_blocks(graph, sources, params)
    lonlat = lonlat or ewkb
    if blocks and lonlat:  # before any worker is forked: they transform the holes too
        blocks.to = graph.to_storage
    if workers <= 1 or len(chunks) <= 1:
        if blocks:
            blocks.complete()
        for chunk in chunks:
            yield from _chunk_circles(graph, sources, params, blocks, chunk, lonlat, ewkb)
            if progress:
                progress(len(chunk))
        return
    global _SHARED
    _SHARED = (graph, sources, params, blocks, lonlat, ewkb)
    try:
        if blocks:
            with _pool(workers) as pool:
                blocks.complete(HOLE_PARTS_PER_WORKER * workers, partial(pool.map, _holes_in_worker))
        with _pool(workers) as pool:
            for chunk, result in zip(chunks, pool.map(_chunk_in_worker, chunks), strict=True):
                yield from result
                if progress:
                    progress(len(chunk))
    finally:
        _SHARED = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """Forked workers: they inherit `_SHARED` as it is when they start."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


_SHARED: tuple[WalkGraph, Snapped, WalkParams, Blocks | None, bool, bool] | None = None


def _holes_in_worker(faces: np.ndarray) -> Holes:
    return _SHARED[3].cut_holes(faces)


def _chunk_in_worker(chunk: np.ndarray) -> list[Circle]:
    return list(_chunk_circles(*_SHARED[:4], chunk, *_SHARED[4:]))


def _chunk_circles(graph: WalkGraph, sources: Snapped, params: WalkParams, blocks: Blocks | None,
                   chunk: np.ndarray, lonlat: bool, ewkb: bool = False) -> Iterator[Circle]:
    cutter = LineCutter(graph)
    longest = params.limit_m(max(params.minutes))
    for i, node_dist in distances_from(graph, sources, chunk, longest):
        if sources.on_network[i]:
            yield from source_circles(graph, node_dist, i, int(sources.edge[i]), float(sources.offset_m[i]),
                                      params, cutter, blocks, lonlat, ewkb)
