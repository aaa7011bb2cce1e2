"""Study-area frame: the real district outline, CRS conversion and the jittered walkway lattice.

Lattice indices: node (ix, iy) with ix growing eastwards and iy northwards; cell (cx, cy) has
corners at nodes (cx, cy), (cx+1, cy), (cx+1, cy+1), (cx, cy+1). A superblock is a square of
CELLS_PER_SUPERBLOCK × CELLS_PER_SUPERBLOCK cells.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from geo.coords.chinacoords import gcj02_to_wgs84

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
OUTLINE_FILE = SOURCES_DIR / "luzhou_140403_gcj02.geojson"
UTM_EPSG = 32649  # UTM zone 49N, metres
WGS84_EPSG = 4326

# Changzhi's old town (WGS-84 degrees); the study area is centred here.
CENTRE_LON, CENTRE_LAT = 113.113, 36.193
# The lattice sits this far north of the centre (m at scale 1) so that it lies inside the district.
STUDY_OFFSET_NORTH_M = 100.0
SPACING_M = 50.0  # walkway lattice spacing
CELLS_PER_SUPERBLOCK = 8  # superblocks are 8 × 8 cells, 400 m
FULL_SUPERBLOCKS_X = 18  # 7.2 km east-west at scale 1
FULL_SUPERBLOCKS_Y = 15  # 6.0 km north-south at scale 1
OLD_TOWN_RADIUS_M = 1800.0  # superblocks whose centre is this close to the centre form the old town
# Uniform node jitter amplitudes (m, each axis): irregular old town, straight new-town roads.
OLD_TOWN_JITTER_M = 9.0
NEW_TOWN_JITTER_M = 4.0
ROAD_JITTER_M = 1.5


def per_cell(per_superblock: np.ndarray) -> np.ndarray:
    """Spread a (n_sb_x, n_sb_y) superblock array to its (nx, ny) cells."""
    c = CELLS_PER_SUPERBLOCK
    return np.repeat(np.repeat(per_superblock, c, axis=0), c, axis=1)


@dataclass(frozen=True)
class Lattice:
    """The jittered lattice in UTM metres and the superblocks kept inside the district."""

    linear_scale: float  # sqrt(scale): all horizontal distances of the layout are multiplied by it
    centre_xy: tuple[float, float]  # old-town centre, UTM m
    origin_xy: tuple[float, float]  # unjittered position of node (0, 0), UTM m
    n_sb_x: int
    n_sb_y: int
    node_xy: np.ndarray  # (nx + 1, ny + 1, 2) UTM m
    sb_old: np.ndarray  # (n_sb_x, n_sb_y) bool, old-town superblocks
    sb_kept: np.ndarray  # (n_sb_x, n_sb_y) bool, superblocks lying fully inside the district
    sb_polygons: np.ndarray  # (n_sb_x, n_sb_y) shapely Polygons, UTM

    @property
    def nx(self) -> int:
        """Number of cells east-west."""
        return self.n_sb_x * CELLS_PER_SUPERBLOCK

    @property
    def ny(self) -> int:
        """Number of cells north-south."""
        return self.n_sb_y * CELLS_PER_SUPERBLOCK

    def cell_quads(self) -> np.ndarray:
        """Corner coordinates of every cell, shape (nx, ny, 4, 2), UTM m, counter-clockwise from SW."""
        p = self.node_xy
        return np.stack([p[:-1, :-1], p[1:, :-1], p[1:, 1:], p[:-1, 1:]], axis=2)

    def cell_kept(self) -> np.ndarray:
        """(nx, ny) bool: the cell belongs to a kept superblock."""
        return per_cell(self.sb_kept)

    def lattice_position(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Approximate fractional lattice indices (ix, iy) of UTM points (x, y) in metres."""
        x0, y0 = self.origin_xy
        return (np.asarray(x) - x0) / SPACING_M, (np.asarray(y) - y0) / SPACING_M


@lru_cache(maxsize=2)
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """Convert shapely geometries from UTM 49N metres to WGS-84 degrees (lon, lat)."""
    t = _transformer(UTM_EPSG, WGS84_EPSG)
    return shapely.transform(geoms, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def to_utm(geoms: np.ndarray) -> np.ndarray:
    """Convert shapely geometries from WGS-84 degrees to UTM 49N metres."""
    t = _transformer(WGS84_EPSG, UTM_EPSG)
    return shapely.transform(geoms, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))


def xy_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert UTM 49N coordinates (m) to WGS-84 longitude/latitude arrays (degrees)."""
    lon, lat = _transformer(UTM_EPSG, WGS84_EPSG).transform(np.asarray(x), np.asarray(y))
    return np.asarray(lon), np.asarray(lat)


def load_district_outline() -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
    """Read the real 潞州区 outline (GCJ-02) and return it in WGS-84 degrees and in UTM metres."""
    gcj = shape(json.loads(OUTLINE_FILE.read_text(encoding="utf-8")))
    wgs = shapely.transform(gcj, lambda c: np.column_stack(gcj02_to_wgs84(c[:, 0], c[:, 1])))
    wgs = shapely.MultiPolygon([wgs]) if wgs.geom_type == "Polygon" else wgs
    return wgs, to_utm(np.array([wgs]))[0]


def study_size(scale: float) -> tuple[int, int, float]:
    """Superblocks east-west (kept even), north-south, and the linear factor sqrt(scale)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    f = float(np.sqrt(scale))
    n_x = max(2, 2 * round(FULL_SUPERBLOCKS_X * f / 2))  # even, so the Gilbert curve has no jumps
    n_y = max(2, min(n_x, round(FULL_SUPERBLOCKS_Y * f)))
    return n_x, n_y, f


def _superblock_rings(node_xy: np.ndarray, n_sb_x: int, n_sb_y: int) -> np.ndarray:
    """Polygons through all boundary nodes of each superblock, shape (n_sb_x, n_sb_y)."""
    c = CELLS_PER_SUPERBLOCK
    steps = np.arange(c)
    dx = np.concatenate([steps, np.full(c, c), c - steps, np.zeros(c, int)])
    dy = np.concatenate([np.zeros(c, int), steps, np.full(c, c), c - steps])
    sx, sy = np.meshgrid(np.arange(n_sb_x), np.arange(n_sb_y), indexing="ij")
    ix = sx[..., None] * c + dx
    iy = sy[..., None] * c + dy
    rings = shapely.linearrings(node_xy[ix, iy].reshape(-1, 4 * c, 2))
    return shapely.polygons(rings).reshape(n_sb_x, n_sb_y)


def build_lattice(rng: np.random.Generator, scale: float, outline_utm: shapely.MultiPolygon) -> Lattice:
    """Lay out the jittered lattice for `scale` and keep the superblocks inside `outline_utm` (UTM m)."""
    n_sb_x, n_sb_y, f = study_size(scale)
    t = _transformer(WGS84_EPSG, UTM_EPSG)
    cx, cy = (float(v) for v in t.transform(CENTRE_LON, CENTRE_LAT))
    c = CELLS_PER_SUPERBLOCK
    nx, ny = n_sb_x * c, n_sb_y * c
    x0 = cx - nx * SPACING_M / 2
    y0 = cy + STUDY_OFFSET_NORTH_M * f - ny * SPACING_M / 2

    sb_size = c * SPACING_M
    sb_cx = x0 + (np.arange(n_sb_x) + 0.5) * sb_size
    sb_cy = y0 + (np.arange(n_sb_y) + 0.5) * sb_size
    sb_old = np.hypot(sb_cx[:, None] - cx, sb_cy[None, :] - cy) <= OLD_TOWN_RADIUS_M * f

    # A node is old-town when every cell around it is (the border counts as its neighbour).
    cell_old = np.pad(per_cell(sb_old), 1, mode="edge")
    node_old = cell_old[:-1, :-1] & cell_old[1:, :-1] & cell_old[:-1, 1:] & cell_old[1:, 1:]
    ix, iy = np.meshgrid(np.arange(nx + 1), np.arange(ny + 1), indexing="ij")
    on_road = (ix % c == 0) | (iy % c == 0)
    amplitude = np.where(node_old, OLD_TOWN_JITTER_M, np.where(on_road, ROAD_JITTER_M, NEW_TOWN_JITTER_M))
    jitter = rng.uniform(-1.0, 1.0, size=(nx + 1, ny + 1, 2)) * amplitude[..., None]
    node_xy = np.stack([x0 + ix * SPACING_M, y0 + iy * SPACING_M], axis=-1) + jitter

    sb_polygons = _superblock_rings(node_xy, n_sb_x, n_sb_y)
    shapely.prepare(outline_utm)
    sb_kept = shapely.within(sb_polygons, outline_utm)
    return Lattice(f, (cx, cy), (x0, y0), n_sb_x, n_sb_y, node_xy, sb_old, sb_kept, sb_polygons)
