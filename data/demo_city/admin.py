"""Administrative hierarchy: real street and community names and codes on synthetic polygons.

Communities are consecutive runs of superblocks along a generalised Hilbert (Gilbert) curve, so
each is contiguous; streets are consecutive runs of communities. Every polygon is an exact
coverage union of lattice cells, so grid ⊂ community ⊂ street nest without slivers or gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from data.demo_city import landuse as lu
from data.demo_city import names
from data.demo_city.frame import CELLS_PER_SUPERBLOCK, SOURCES_DIR, Lattice
from data.demo_city.landuse import LandUse
from geo.layers.codes import grid_codes

DIVISIONS_FILE = SOURCES_DIR / "luzhou_divisions.csv"
DISTRICT_CODE = "140403"
URBAN_STREETS = tuple(f"{DISTRICT_CODE}{k:03d}" for k in range(1, 11))  # the 10 urban 街道
URBAN_COMMUNITY_MAX_SERIAL = 200  # 001–199 are 居委会; 200+ are 村委会, 400+ 集体资产社区
COMMUNITY_SUFFIX = "居委会"
# Community sizes balance residents plus this many "residents" per superblock (area term).
SUPERBLOCK_BASE_WEIGHT = 800
OLD_TOWN_GRID_CELLS = 4  # old-town grids are 4 × 4 cells (200 m)
COMPOUND_SPLIT_RESIDENTS = 1800  # larger compounds become two grids (west and east half)
ROW_TOLERANCE_M = 100.0  # grid numbering: representative points this close in y share a row
GRID_SYSTEM = "综合网格"
WORKERS_PER_GRID = (2, 3)  # inclusive
WORKER_SEPARATOR = ","


@dataclass(frozen=True)
class Divisions:
    """Real division names and codes (national statistics codes)."""

    district_name: str
    streets: pd.DataFrame  # code, name (the 10 urban streets, by code)
    communities: pd.DataFrame  # code, name, street_code (urban 居委会, by code)


@dataclass(frozen=True)
class Admin:
    """Streets, communities and grids (UTM metres) and the grid of every lattice cell."""

    streets: pd.DataFrame  # code, name, district_code, geometry
    communities: pd.DataFrame  # code, name, street_code, geometry
    grids: pd.DataFrame  # code, name, community_code, system, kind, households, residents, …
    cell_grid: np.ndarray  # (nx, ny) row of `grids` for each cell, -1 outside
    cell_community: np.ndarray  # (nx, ny) community code for each cell, "" outside


def read_divisions() -> Divisions:
    """Read the district, its 10 urban streets and their urban 社区居委会 (suffix stripped)."""
    rows = pd.read_csv(DIVISIONS_FILE, dtype=str, keep_default_na=False)
    district = rows[rows.code == DISTRICT_CODE].name.iloc[0]
    streets = rows[rows.code.isin(URBAN_STREETS)][["code", "name"]].sort_values("code")
    comm = rows[(rows.level == "community") & rows.parent_code.isin(URBAN_STREETS)]
    comm = comm[(comm.code.str[-3:].astype(int) < URBAN_COMMUNITY_MAX_SERIAL)
                & comm.name.str.endswith(COMMUNITY_SUFFIX)]
    comm = pd.DataFrame({"code": comm.code, "name": comm.name.str.removesuffix(COMMUNITY_SUFFIX),
                         "street_code": comm.parent_code}).sort_values("code")
    return Divisions(district, streets.reset_index(drop=True), comm.reset_index(drop=True))


def gilbert_curve(width: int, height: int) -> Iterator[tuple[int, int]]:
    """Visit every cell of a width × height grid so that consecutive cells share a side.

    Generalised Hilbert curve (after J. Červený's "gilbert"); without diagonal steps when the
    longer side is even.
    """

    def sign(v: int) -> int:
        return (v > 0) - (v < 0)

    def walk(x: int, y: int, ax: int, ay: int, bx: int, by: int) -> Iterator[tuple[int, int]]:
        w, h = abs(ax + ay), abs(bx + by)
        dax, day, dbx, dby = sign(ax), sign(ay), sign(bx), sign(by)
        if h == 1 or w == 1:
            step_x, step_y, n = (dax, day, w) if h == 1 else (dbx, dby, h)
            for k in range(n):
                yield x + k * step_x, y + k * step_y
            return
        ax2, ay2, bx2, by2 = ax // 2, ay // 2, bx // 2, by // 2
        if 2 * w > 3 * h:
            if abs(ax2 + ay2) % 2 and w > 2:
                ax2, ay2 = ax2 + dax, ay2 + day
            yield from walk(x, y, ax2, ay2, bx, by)
            yield from walk(x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by)
        else:
            if abs(bx2 + by2) % 2 and h > 2:
                bx2, by2 = bx2 + dbx, by2 + dby
            yield from walk(x, y, bx2, by2, ax2, ay2)
            yield from walk(x + bx2, y + by2, ax, ay, bx - bx2, by - by2)
            yield from walk(x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby),
                            -bx2, -by2, -(ax - ax2), -(ay - ay2))

    if width >= height:
        yield from walk(0, 0, width, 0, 0, height)
    else:
        yield from walk(0, 0, 0, height, width, 0)


def chunk_bounds(weights: np.ndarray, n: int) -> np.ndarray:
    """Cut a sequence into `n` non-empty consecutive runs of about equal total weight.

    Returns n + 1 boundaries: run k is weights[bounds[k]:bounds[k + 1]].
    """
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    bounds = [0]
    for k in range(1, n):
        target = cum[-1] * k / n
        cut = int(np.argmin(np.abs(cum - target)))
        bounds.append(min(max(cut, bounds[-1] + 1), len(weights) - (n - k)))
    return np.array(bounds + [len(weights)])


def _union(polygons: list[shapely.Polygon], what: str) -> shapely.Polygon:
    """Exact union of polygons that share vertices; must be one contiguous polygon."""
    merged = shapely.coverage_union_all(polygons)
    if merged.geom_type != "Polygon":
        raise RuntimeError(f"{what}不连续（{merged.geom_type}），请检查研究区范围")
    return merged


def _superblock_grids(land: LandUse, sx: int, sy: int, residents: float) -> list[tuple[np.ndarray, str]]:
    """Grids of one superblock as (local cell mask 8 × 8, kind)."""
    c = CELLS_PER_SUPERBLOCK
    lx, ly = np.meshgrid(np.arange(c), np.arange(c), indexing="ij")
    kind = land.sb_type[sx, sy]
    if kind == lu.OLD:
        g = OLD_TOWN_GRID_CELLS
        markets = {(int(m[0]) - sx * c, int(m[1]) - sy * c) for m in land.market_cells}
        out = []
        for qx in range(c // g):
            for qy in range(c // g):
                mask = (lx // g == qx) & (ly // g == qy)
                has_market = any(0 <= mx < c and 0 <= my < c and mask[mx, my] for mx, my in markets)
                out.append((mask, lu.MARKET_GRID_KIND if has_market else lu.GRID_KIND[lu.OLD]))
        return out
    grid_kind = lu.GRID_KIND.get(kind, lu.EXCLUSIVE_GRID_KIND)
    if kind == lu.COMPOUND and residents > COMPOUND_SPLIT_RESIDENTS:
        return [(lx < c // 2, grid_kind), (lx >= c // 2, grid_kind)]
    return [(np.ones((c, c), bool), grid_kind)]


def build_admin(rng: np.random.Generator, lattice: Lattice, land: LandUse, buildings: pd.DataFrame,
                divisions: Divisions) -> Admin:
    """Partition the kept superblocks into communities, streets and grids (UTM polygons)."""
    c = CELLS_PER_SUPERBLOCK
    quads = lattice.cell_quads()
    sb_residents = np.zeros(lattice.sb_kept.shape)
    np.add.at(sb_residents, (buildings.cx.to_numpy() // c, buildings.cy.to_numpy() // c), buildings.residents)
    order = [(x, y) for x, y in gilbert_curve(lattice.n_sb_x, lattice.n_sb_y) if lattice.sb_kept[x, y]]
    n_comm = min(len(divisions.communities), len(order))
    communities = divisions.communities.iloc[:n_comm].reset_index(drop=True)
    bounds = chunk_bounds(np.array([sb_residents[s] + SUPERBLOCK_BASE_WEIGHT for s in order]), n_comm)

    cell_grid = np.full((lattice.nx, lattice.ny), -1, dtype=np.int64)
    cell_community = np.full((lattice.nx, lattice.ny), "", dtype=object)
    grid_rows: list[dict] = []
    comm_geoms = []
    for k, comm in communities.iterrows():
        comm_grid_rows = []
        for sx, sy in order[bounds[k]:bounds[k + 1]]:
            block = (slice(sx * c, (sx + 1) * c), slice(sy * c, (sy + 1) * c))
            cell_community[block] = comm.code
            for mask, kind in _superblock_grids(land, sx, sy, sb_residents[sx, sy]):
                cells = quads[block][mask]
                cell_grid[block][mask] = len(grid_rows) + len(comm_grid_rows)
                comm_grid_rows.append({"community_code": comm.code, "kind": kind,
                                       "geometry": _union(list(shapely.polygons(cells)), "网格")})
        geoms = [r["geometry"] for r in comm_grid_rows]
        rep = shapely.get_coordinates(shapely.point_on_surface(geoms))
        codes = grid_codes(comm.code, rep[:, 0], rep[:, 1], row_tolerance_m=ROW_TOLERANCE_M)
        for row, code in zip(comm_grid_rows, codes, strict=True):
            row["code"] = code
            row["name"] = f"{comm['name']}第{int(code[-3:])}网格"
        grid_rows.extend(comm_grid_rows)
        comm_geoms.append(_union(geoms, f"社区{comm['name']}"))

    grids = pd.DataFrame(grid_rows)
    in_grid = cell_grid[buildings.cx.to_numpy(), buildings.cy.to_numpy()]
    grids["households"] = np.bincount(in_grid, weights=buildings.households, minlength=len(grids)).astype(np.int64)
    grids["residents"] = np.bincount(in_grid, weights=buildings.residents, minlength=len(grids)).astype(np.int64)
    grids["system"] = GRID_SYSTEM
    n_workers = rng.integers(WORKERS_PER_GRID[0], WORKERS_PER_GRID[1] + 1, size=len(grids))
    people = names.distinct_person_names(rng, int(len(grids) + n_workers.sum()))
    starts = np.concatenate([[0], np.cumsum(n_workers + 1)])
    grids["leader"] = [people[s] for s in starts[:-1]]
    grids["workers"] = [WORKER_SEPARATOR.join(people[s + 1:s + 1 + w]) for s, w in zip(starts[:-1], n_workers, strict=True)]
    grids["party_group"] = grids["name"] + "党小组"

    comm_df = communities.assign(geometry=comm_geoms)
    street_rows = []
    for street in divisions.streets.itertuples():
        members = comm_df[comm_df.street_code == street.code]
        if len(members):
            street_rows.append({"code": street.code, "name": street.name, "district_code": DISTRICT_CODE,
                                "geometry": _union(list(members.geometry), f"街道{street.name}")})
    columns = ["code", "name", "community_code", "system", "kind", "households", "residents",
               "leader", "workers", "party_group", "geometry"]
    remap = np.argsort(grids["code"].to_numpy(), kind="stable")
    grids = grids[columns].iloc[remap].reset_index(drop=True)
    new_index = np.empty(len(remap), dtype=np.int64)
    new_index[remap] = np.arange(len(remap))
    cell_grid = np.where(cell_grid >= 0, new_index[np.maximum(cell_grid, 0)], -1)
    return Admin(pd.DataFrame(street_rows), comm_df[["code", "name", "street_code", "geometry"]],
                 grids, cell_grid, cell_community)
