"""Building footprints: low-rise old town, high-rise compound towers, public and commercial buildings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from data.demo_city import landuse as lu
from data.demo_city.barriers import Barriers, free_cells
from data.demo_city.frame import CELLS_PER_SUPERBLOCK, Lattice
from data.demo_city.landuse import LandUse

SETBACK_M = 5.0  # from the lattice lines (walkway and street centre lines)
HALF_GAP_M = 1.5  # half the gap between two buildings sharing a cell
SHRINK_FACTOR = 0.92  # a footprint that does not fit is shrunk by this factor …
SHRINK_ROUNDS = 25  # … at most this many times, then dropped
MAX_OFFSET_M = 2.0  # random shift of a footprint from the centre of its plot
MAX_TILT_DEG = 3.0  # random rotation on top of the cell's orientation
PEOPLE_PER_HOUSEHOLD = (2.4, 2.8)  # households ≈ residents / U(2.4, 2.8)
FLOOR_AREA_PER_RESIDENT_M2 = (34.0, 46.0)
NUMBER_ROW_BAND_M = 25.0  # buildings within this northing band count as one row when numbering

OLD_OCCUPANCY = 0.9  # share of old-town cells with buildings
OLD_TWO_BUILDINGS = 0.4  # share of occupied old-town cells with two buildings
OLD_KIND_SHARES = (("住宅", 0.72), ("商住", 0.10), ("商业", 0.13), ("公共建筑", 0.05))
TOWERS_PER_COMPOUND = (5, 9)  # inclusive range
KINDERGARTEN_SHARE = 0.4
SHOPS_PER_COMPOUND = (1, 3)
COMMERCIAL_BUILDINGS = (4, 8)  # malls and offices per commercial superblock (inclusive)
APARTMENTS_PER_COMMERCIAL = (1, 3)


@dataclass(frozen=True)
class Spec:
    """Footprint (m), floors and resident limits of one kind of building."""

    kind: str
    width_m: tuple[float, float]
    depth_m: tuple[float, float]
    floors: tuple[int, int]  # inclusive
    residents: tuple[int, int] = (0, 0)  # clip range; (0, 0) means nobody lives there


OLD_SPECS = {
    "住宅": Spec("住宅", (16, 34), (9, 14), (5, 7), (20, 80)),
    "商住": Spec("商住", (16, 34), (9, 14), (5, 7), (20, 80)),
    "商业": Spec("商业", (10, 24), (8, 12), (1, 3)),
    "公共建筑": Spec("公共建筑", (16, 30), (10, 14), (2, 4)),
}
TOWER = Spec("住宅", (24, 34), (12, 16), (11, 33), (150, 400))
MARKET = Spec("商业", (30, 38), (24, 32), (1, 2))
KINDERGARTEN = Spec("公共建筑", (24, 32), (16, 22), (2, 3))
SHOP = Spec("商业", (14, 30), (8, 12), (2, 3))
COMMERCIAL = Spec("商业", (26, 36), (18, 30), (3, 25))
APARTMENT = Spec("商住", (24, 34), (12, 16), (18, 30), (150, 400))
SERIAL_MARK = "#"  # a label starting with it is numbered: "#号仓库" → "铁路物流园一区2号仓库"
# Non-residential superblocks: (spec, number range, building labels).
INSTITUTIONS: dict[str, tuple[Spec, tuple[int, int], tuple[str, ...]]] = {
    lu.SCHOOL: (Spec("公共建筑", (28, 36), (14, 20), (3, 5)), (3, 5),
                ("教学楼", "实验楼", "综合楼", "体育馆", "图书馆")),
    lu.HOSPITAL: (Spec("公共建筑", (28, 36), (16, 24), (4, 16)), (3, 5),
                  ("门诊楼", "住院部", "医技楼", "行政楼", "急诊楼")),
    lu.GOVERNMENT: (Spec("公共建筑", (26, 36), (14, 20), (4, 12)), (2, 4),
                    ("#号办公楼",)),
    lu.SPORTS: (Spec("公共建筑", (30, 38), (24, 34), (1, 3)), (2, 3), ("体育馆", "游泳馆", "训练馆")),
    lu.PARK: (Spec("公共建筑", (8, 14), (6, 10), (1, 1)), (1, 2), ("管理用房", "茶室")),
    lu.RIVERSIDE: (Spec("公共建筑", (8, 14), (6, 10), (1, 1)), (1, 2), ("管理用房", "驿亭")),
    lu.RAILWAY: (Spec("商业", (30, 38), (14, 24), (1, 2)), (3, 6), ("#号仓库",)),
}
# Corners of a unit rectangle centred on the origin, counter-clockwise.
RECT_CORNERS = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
# Plot codes: whole cell, or its south / north / west / east half.
WHOLE, SOUTH, NORTH, WEST, EAST = range(5)


@dataclass
class _Requests:
    """Buildings to place, one list entry per building."""

    cells: list[tuple[int, int]] = field(default_factory=list)
    plots: list[int] = field(default_factory=list)
    specs: list[Spec] = field(default_factory=list)
    stems: list[str] = field(default_factory=list)  # name, or stem before the serial
    suffixes: list[str | None] = field(default_factory=list)  # after the serial; None = no serial
    compounds: list[str] = field(default_factory=list)

    def add(self, cell: tuple[int, int], plot: int, spec: Spec, stem: str, suffix: str | None,
            compound: str = "") -> None:
        """Queue one building in `plot` of `cell`."""
        self.cells.append((int(cell[0]), int(cell[1])))
        self.plots.append(plot)
        self.specs.append(spec)
        self.stems.append(stem)
        self.suffixes.append(suffix)
        self.compounds.append(compound)


def _plot_quads(quads: np.ndarray, plots: np.ndarray) -> np.ndarray:
    """Corners (n, 4, 2) of the plots: whole cells or halves of them."""
    p0, p1, p2, p3 = (quads[:, k] for k in range(4))
    m01, m12, m23, m30 = (p0 + p1) / 2, (p1 + p2) / 2, (p2 + p3) / 2, (p3 + p0) / 2
    options = np.stack([
        quads,
        np.stack([p0, p1, m12, m30], 1), np.stack([m30, m12, p2, p3], 1),
        np.stack([p0, m01, m23, p3], 1), np.stack([m01, p1, p2, m23], 1),
    ])
    return options[plots, np.arange(len(plots))]


def _place(rng: np.random.Generator, quads: np.ndarray, plots: np.ndarray,
           width: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Rectangles (m) inside each plot, set back from every lattice line; None where none fits."""
    cells = shapely.polygons(quads)
    region = shapely.buffer(cells, -SETBACK_M, join_style="mitre")
    halves = plots != WHOLE
    region[halves] = shapely.intersection(
        region[halves], shapely.buffer(shapely.polygons(_plot_quads(quads[halves], plots[halves])),
                                       -HALF_GAP_M, join_style="mitre"))
    centre = shapely.get_coordinates(shapely.centroid(region)) + rng.uniform(-MAX_OFFSET_M, MAX_OFFSET_M,
                                                                             (len(plots), 2))
    south = quads[:, 1] - quads[:, 0]
    angle = np.arctan2(south[:, 1], south[:, 0]) + np.radians(rng.uniform(-MAX_TILT_DEG, MAX_TILT_DEG, len(plots)))
    angle = angle + np.where(np.isin(plots, [WEST, EAST]), np.pi / 2, 0.0)  # long side along the half
    u = np.column_stack([np.cos(angle), np.sin(angle)])
    v = np.column_stack([-u[:, 1], u[:, 0]])
    out = np.full(len(plots), None, dtype=object)
    todo = np.arange(len(plots))
    w, d = width.astype(float), depth.astype(float)
    for _ in range(SHRINK_ROUNDS):
        corners = (centre[todo, None, :]
                   + RECT_CORNERS[None, :, 0:1] * (w[todo, None, None] * u[todo, None, :])
                   + RECT_CORNERS[None, :, 1:2] * (d[todo, None, None] * v[todo, None, :]))
        rects = shapely.polygons(corners)
        fits = shapely.within(rects, region[todo])
        out[todo[fits]] = rects[fits]
        todo = todo[~fits]
        if len(todo) == 0:
            break
        w[todo] *= SHRINK_FACTOR
        d[todo] *= SHRINK_FACTOR
    return out


def _request_buildings(rng: np.random.Generator, land: LandUse, free: np.ndarray) -> _Requests:
    """Decide which buildings stand in which cells and plots."""
    req = _Requests()
    c = CELLS_PER_SUPERBLOCK
    cell_type = land.cell_type()
    cell_place = land.cell_place()
    markets = {tuple(m) for m in land.market_cells}
    for cell, name in zip(land.market_cells, land.market_names, strict=True):
        req.add(cell, WHOLE, MARKET, name, None)

    old = np.argwhere((cell_type == lu.OLD) & free)
    old = old[[tuple(x) not in markets for x in old]]
    occupied = old[rng.random(len(old)) < OLD_OCCUPANCY]
    two = rng.random(len(occupied)) < OLD_TWO_BUILDINGS
    split = rng.choice([(SOUTH, NORTH), (WEST, EAST)], size=len(occupied))
    kinds = [k for k, _ in OLD_KIND_SHARES]
    shares = np.array([s for _, s in OLD_KIND_SHARES])
    drawn = iter(rng.choice(len(kinds), size=len(occupied) + int(two.sum()), p=shares))
    for cell, pair, both in zip(occupied, split, two, strict=True):
        for plot in (pair if both else (WHOLE,)):
            req.add(cell, int(plot), OLD_SPECS[kinds[next(drawn)]], cell_place[cell[0], cell[1]], "号")

    for sx, sy in np.argwhere(land.sb_type != ""):
        kind, place = land.sb_type[sx, sy], land.sb_name[sx, sy]
        if kind == lu.OLD:
            continue
        local = np.argwhere(free[sx * c:(sx + 1) * c, sy * c:(sy + 1) * c])
        inner = local[(local.min(axis=1) >= 1) & (local.max(axis=1) <= c - 2)]
        ring = local[(local.min(axis=1) == 0) | (local.max(axis=1) == c - 1)]
        base = np.array([sx * c, sy * c])
        if kind == lu.COMPOUND:
            n_towers = int(rng.integers(TOWERS_PER_COMPOUND[0], TOWERS_PER_COMPOUND[1] + 1))
            picks = rng.permutation(len(inner))
            for k in picks[:n_towers]:
                req.add(base + inner[k], WHOLE, TOWER, place, "号楼", place)
            if rng.random() < KINDERGARTEN_SHARE and len(picks) > n_towers:
                req.add(base + inner[picks[n_towers]], WHOLE, KINDERGARTEN, place + "幼儿园", None, place)
            n_shops = int(rng.integers(SHOPS_PER_COMPOUND[0], SHOPS_PER_COMPOUND[1] + 1))
            for k in rng.permutation(len(ring))[:n_shops]:
                req.add(base + ring[k], int(rng.choice([SOUTH, NORTH])), SHOP, place + "商铺", "号", place)
        elif kind == lu.COMMERCIAL:
            picks = rng.permutation(len(local))
            n_shop = int(rng.integers(COMMERCIAL_BUILDINGS[0], COMMERCIAL_BUILDINGS[1] + 1))
            n_flat = int(rng.integers(APARTMENTS_PER_COMMERCIAL[0], APARTMENTS_PER_COMMERCIAL[1] + 1))
            for k in picks[:n_shop]:
                req.add(base + local[k], WHOLE, COMMERCIAL, place, "号楼")
            for k in picks[n_shop:n_shop + n_flat]:
                req.add(base + local[k], WHOLE, APARTMENT, place + "公寓", "号楼")
        else:
            spec, count, labels = INSTITUTIONS[kind]
            n = int(rng.integers(count[0], count[1] + 1))
            pool = inner if len(inner) >= n else local
            for j, k in enumerate(rng.permutation(len(pool))[:n]):
                label = labels[j % len(labels)]
                if label.startswith(SERIAL_MARK):
                    req.add(base + pool[k], WHOLE, spec, place, label.removeprefix(SERIAL_MARK))
                else:
                    req.add(base + pool[k], WHOLE, spec, place + label, None)
    return req


def build_buildings(rng: np.random.Generator, lattice: Lattice, land: LandUse, barriers: Barriers) -> pd.DataFrame:
    """Generate building footprints (UTM m) with kind, floors, households and residents.

    Returns columns name, kind, floors, households, residents, compound, cx, cy, geometry,
    sorted north→south, west→east; codes are given later.
    """
    quads_all = lattice.cell_quads()
    req = _request_buildings(rng, land, free_cells(lattice, barriers))

    cells = np.array(req.cells)
    plots = np.array(req.plots)
    n = len(plots)
    lo_w, hi_w = np.array([s.width_m for s in req.specs]).T
    lo_d, hi_d = np.array([s.depth_m for s in req.specs]).T
    floors_lo, floors_hi = np.array([s.floors for s in req.specs]).T
    res_lo, res_hi = np.array([s.residents for s in req.specs]).T
    width = rng.uniform(lo_w, hi_w)
    depth = rng.uniform(lo_d, hi_d)
    floors = rng.integers(floors_lo, floors_hi + 1)
    geoms = _place(rng, quads_all[cells[:, 0], cells[:, 1]], plots, width, depth)
    placed = np.array([g is not None for g in geoms], dtype=bool)
    geoms = geoms[placed].astype(object)

    floor_area = shapely.area(geoms) * floors[placed]
    per_resident = rng.uniform(*FLOOR_AREA_PER_RESIDENT_M2, n)[placed]
    residents = np.where(res_hi[placed] > 0,
                         np.clip(np.rint(floor_area / per_resident), res_lo[placed], res_hi[placed]), 0)
    per_household = rng.uniform(*PEOPLE_PER_HOUSEHOLD, n)[placed]
    households = np.where(residents > 0, np.maximum(1, np.rint(residents / per_household)), 0)
    centroid = shapely.get_coordinates(shapely.centroid(geoms))
    df = pd.DataFrame({
        "stem": np.array(req.stems, dtype=object)[placed],
        "suffix": np.array(req.suffixes, dtype=object)[placed],
        "kind": np.array([s.kind for s in req.specs], dtype=object)[placed],
        "floors": floors[placed].astype(np.int64), "households": households.astype(np.int64),
        "residents": residents.astype(np.int64), "compound": np.array(req.compounds, dtype=object)[placed],
        "cx": cells[placed, 0], "cy": cells[placed, 1], "x": centroid[:, 0], "y": centroid[:, 1],
        "geometry": geoms,
    })
    df["band"] = -np.floor(df.y / NUMBER_ROW_BAND_M).astype(np.int64)
    df = df.sort_values(["band", "x"], kind="stable").reset_index(drop=True)
    numbered = df.suffix.notna()
    serial = df.groupby(["stem", "suffix"], sort=False, dropna=False).cumcount() + 1
    df["name"] = np.where(numbered, df.stem + serial.astype(str) + df.suffix.fillna(""), df.stem)
    return df[["name", "kind", "floors", "households", "residents", "compound", "cx", "cy", "x", "y", "geometry"]]
