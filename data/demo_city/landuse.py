"""Land use of the superblocks (old town, gated compounds, parks, schools …), place and road names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from data.demo_city import names
from data.demo_city.barriers import Barriers, free_cells
from data.demo_city.frame import CELLS_PER_SUPERBLOCK, Lattice, per_cell

OLD = "old"
COMPOUND = "compound"
COMMERCIAL = "commercial"
PARK = "park"
SCHOOL = "school"
HOSPITAL = "hospital"
GOVERNMENT = "government"
SPORTS = "sports"
RIVERSIDE = "riverside"  # superblocks the river runs through: riverside parks
RAILWAY = "railway"  # superblocks the railway runs through: rail yards and logistics
# Shares of the new-town superblocks by use.
NEW_TOWN_MIX: tuple[tuple[str, float], ...] = (
    (COMPOUND, 0.52), (COMMERCIAL, 0.10), (PARK, 0.11), (SCHOOL, 0.10),
    (HOSPITAL, 0.05), (GOVERNMENT, 0.07), (SPORTS, 0.05),
)
GATED = frozenset({COMPOUND, SCHOOL, HOSPITAL, GOVERNMENT, SPORTS})  # fenced, entered by gates
GRID_KIND = {OLD: "老旧街区", COMPOUND: "居民小区", COMMERCIAL: "商业街区"}  # all others: 专属网格
EXCLUSIVE_GRID_KIND = "专属网格"
MARKET_GRID_KIND = "商业街区"
RIVERSIDE_PARK = "石子河滨河公园"
RAILWAY_YARD = "铁路物流园"
N_MARKETS_FULL = 12  # old-town markets at scale 1
MARKET_MIN_SPACING_M = 350.0
ARTERIAL_EVERY = 2 * CELLS_PER_SUPERBLOCK  # arterial roads every 2 superblocks (in lattice lines)
EXTRA_ROAD_PREFIX = "经"  # for scales beyond the road-name lists


@dataclass(frozen=True)
class LandUse:
    """Use and name of every superblock, the old-town market cells, and the arterial names."""

    sb_type: np.ndarray  # (n_sb_x, n_sb_y) str, "" where the superblock was dropped
    sb_name: np.ndarray  # (n_sb_x, n_sb_y) str: lane, compound, park, school … name
    market_cells: np.ndarray  # (n, 2) int cell indices (cx, cy)
    market_names: list[str]
    north_south_roads: list[str]  # names of the arterial columns ix = 0, 16, 32 …
    east_west_roads: list[str]  # names of the arterial rows iy = 0, 16, 32 … (south to north)

    def cell_type(self) -> np.ndarray:
        """(nx, ny) superblock use of every cell."""
        return per_cell(self.sb_type)

    def cell_place(self) -> np.ndarray:
        """(nx, ny) superblock name of every cell."""
        return per_cell(self.sb_name)


def _centred(pool: tuple[str, ...], n: int) -> list[str]:
    """Take `n` names from the middle of `pool`, inventing numbered ones if it is too short."""
    start = max(0, (len(pool) - n) // 2)
    picked = list(pool[start:start + n])
    return picked + [f"{EXTRA_ROAD_PREFIX}{names.chinese_numeral(k + 1)}" for k in range(n - len(picked))]


def road_names(lattice: Lattice, x: np.ndarray, y: np.ndarray, land: LandUse) -> np.ndarray:
    """Name of the arterial road nearest to each UTM point (x, y), e.g. "太行东街", "英雄北路"."""
    fx, fy = lattice.lattice_position(x, y)
    kx = np.clip(np.rint(fx / ARTERIAL_EVERY).astype(int), 0, len(land.north_south_roads) - 1)
    ky = np.clip(np.rint(fy / ARTERIAL_EVERY).astype(int), 0, len(land.east_west_roads) - 1)
    nearer_ns = np.abs(fx - kx * ARTERIAL_EVERY) <= np.abs(fy - ky * ARTERIAL_EVERY)
    cx, cy = lattice.centre_xy
    out = []
    for ns, i, j, px, py in zip(nearer_ns, kx, ky, np.asarray(x), np.asarray(y), strict=True):
        if ns:
            out.append(land.north_south_roads[i] + ("北路" if py >= cy else "南路"))
        else:
            out.append(land.east_west_roads[j] + ("东街" if px >= cx else "西街"))
    return np.array(out, dtype=object)


def _spread_sample(rng: np.random.Generator, xy: np.ndarray, n: int, min_spacing: float) -> np.ndarray:
    """Indices of up to `n` points of `xy` in random order, each `min_spacing` m from the others."""
    chosen: list[int] = []
    for k in rng.permutation(len(xy)):
        if len(chosen) == n:
            break
        if not chosen or np.min(np.hypot(*(xy[chosen] - xy[k]).T)) >= min_spacing:
            chosen.append(int(k))
    return np.array(chosen, dtype=int)


def _type_names(rng: np.random.Generator, kind: str, n: int, taken: set[str]) -> list[str]:
    if kind == OLD:
        return names.lane_names(rng, n)
    if kind == GOVERNMENT:
        fixed = [names.GOVERNMENT_NAMES[k] for k in rng.permutation(len(names.GOVERNMENT_NAMES))]
        extra = names.combined_names(rng, names.PLACE_PREFIXES, (names.GOVERNMENT_FALLBACK_SUFFIX,),
                                     max(0, n - len(fixed)), taken=taken)
        return (fixed + extra)[:n]
    suffixes = {
        COMPOUND: names.COMPOUND_SUFFIXES, COMMERCIAL: names.COMMERCIAL_SUFFIXES,
        PARK: names.PARK_SUFFIXES, HOSPITAL: names.HOSPITAL_SUFFIXES, SPORTS: names.SPORTS_SUFFIXES,
    }
    if kind == SCHOOL:
        return names.combined_names(rng, names.PLACE_PREFIXES, names.SCHOOL_SUFFIXES, n,
                                    head="潞州区", taken=taken)
    return names.combined_names(rng, names.PLACE_PREFIXES, suffixes[kind], n, taken=taken)


def assign_land_use(rng: np.random.Generator, lattice: Lattice, barriers: Barriers, scale: float) -> LandUse:
    """Give every kept superblock a use and a name; choose the old-town market cells."""
    kept = lattice.sb_kept
    sb_type = np.full(kept.shape, "", dtype=object)
    kinds = [k for k, _ in NEW_TOWN_MIX]
    shares = np.array([s for _, s in NEW_TOWN_MIX])
    drawn = rng.choice(len(kinds), size=kept.shape, p=shares / shares.sum())
    sb_type[kept] = np.array(kinds, dtype=object)[drawn[kept]]
    sb_type[kept & lattice.sb_old] = OLD
    polys = lattice.sb_polygons
    sb_type[kept & shapely.intersects(polys, barriers.railway_area)] = RAILWAY
    sb_type[kept & shapely.intersects(polys, barriers.river_area)] = RIVERSIDE

    sb_name = np.full(kept.shape, "", dtype=object)
    taken: set[str] = set()
    # Name superblocks north to south, west to east, so numbering reads like a map.
    order = np.lexsort((np.arange(kept.size) // kept.shape[1], -(np.arange(kept.size) % kept.shape[1])))
    flat_type = sb_type.ravel()
    for kind in sorted(set(flat_type[flat_type != ""])):
        idx = order[flat_type[order] == kind]
        if kind == RIVERSIDE:
            labels = [f"{RIVERSIDE_PARK}{names.chinese_numeral(k + 1)}段" for k in range(len(idx))]
        elif kind == RAILWAY:
            labels = [f"{RAILWAY_YARD}{names.chinese_numeral(k + 1)}区" for k in range(len(idx))]
        else:
            labels = _type_names(rng, kind, len(idx), taken)
        sb_name.ravel()[idx] = labels

    centres = lattice.cell_quads().mean(axis=2)
    old_cells = np.argwhere((per_cell(sb_type) == OLD) & free_cells(lattice, barriers))
    n_markets = max(2, round(N_MARKETS_FULL * scale))
    pick = _spread_sample(rng, centres[old_cells[:, 0], old_cells[:, 1]], n_markets,
                          MARKET_MIN_SPACING_M * lattice.linear_scale)
    market_cells = old_cells[np.sort(pick)]
    lanes = per_cell(sb_name)
    suffix = rng.choice(len(names.MARKET_SUFFIXES), size=len(market_cells))
    market_names = names.dedupe([lanes[c[0], c[1]] + names.MARKET_SUFFIXES[s]
                                 for c, s in zip(market_cells, suffix, strict=True)])

    n_ns = lattice.nx // ARTERIAL_EVERY + 1
    n_ew = lattice.ny // ARTERIAL_EVERY + 1
    north_south = _centred(names.NORTH_SOUTH_ROADS, n_ns)
    east_west = list(reversed(_centred(names.EAST_WEST_ROADS, n_ew)))  # rows are counted from the south
    return LandUse(sb_type, sb_name, market_cells, market_names, north_south, east_west)

