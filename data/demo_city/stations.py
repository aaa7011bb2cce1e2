"""Service stations (驿站) and candidate sites for new ones, placed beside walking edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from data.demo_city import landuse as lu
from data.demo_city import names
from data.demo_city.admin import Admin
from data.demo_city.barriers import Barriers, free_cells
from data.demo_city.frame import CELLS_PER_SUPERBLOCK, OLD_TOWN_RADIUS_M, Lattice
from data.demo_city.landuse import LandUse, road_names
from data.demo_city.network import Network

OFFSET_FROM_EDGE_M = (5.0, 15.0)  # a point stands this far from its walking edge, inside the cell
ALONG_EDGE = (0.3, 0.7)  # … at this fraction along the edge
BUILDING_CLEARANCE_M = 1.0
PLACEMENT_TRIES = 12
ROAD_KINDS = ("arterial", "street")  # stations face a road
WALK_KINDS = ("arterial", "street", "alley", "path")  # candidate sites face any walkway
SERVICES = ("休息", "饮水", "如厕", "充电", "热饭", "阅读", "医疗", "维修", "政务", "托管")
SERVICE_SEPARATOR = ","
CENTRE, POST, CITY, WARM = "党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站"
# kind: (always offered, optional extras, number of extras (inclusive range)).
SERVICE_PLAN = {
    CENTRE: (("休息", "饮水", "如厕", "阅读", "政务"), ("充电", "医疗", "托管"), (1, 3)),
    POST: (("休息", "饮水", "阅读", "政务"), ("如厕", "充电", "热饭", "医疗", "托管", "维修"), (1, 3)),
    CITY: (("休息", "饮水", "如厕", "充电"), ("热饭", "维修", "医疗", "阅读"), (0, 2)),
    WARM: (("休息", "饮水", "如厕", "充电", "热饭"), ("阅读", "维修", "医疗"), (0, 2)),
}
OPENING_HOURS = {
    CENTRE: (("08:30", "17:30"), ("08:30", "18:00"), ("09:00", "17:00")),
    POST: (("09:00", "20:00"), ("08:30", "18:00"), ("09:00", "21:00")),
    CITY: (("07:00", "21:00"), ("08:00", "20:00"), ("06:30", "22:00")),
}
POSTS_PER_COMMUNITY = 0.56  # about 35 党群服务驿站 for 62 communities
CITY_STATIONS_FULL = 26  # Changzhi really has 26 城市驿站
WARM_STATIONS_FULL = 10
CITY_24H_SHARE = 1 / 3
CITY_REPEAT_PATTERN = "{name}{k}号站"  # a second 城市驿站 on one road: "城市驿站·太行东街2号站"
PLANNED_SHARE = 0.10
# Minimum spacing (m at scale 1) between stations of one kind.
MIN_SPACING_M = {POST: 400.0, CITY: 600.0, WARM: 300.0}
# Coverage gaps: new-town zones without stations, far from the old town.
GAP_ZONES = 2
GAP_RADIUS_M = 700.0
GAP_MIN_DISTANCE_M = OLD_TOWN_RADIUS_M + 600.0
WARM_NEAR_MARKET_CELLS = 2  # 暖新驿站 within this many cells of a market …
MARKET_PREFERENCE = 2.0  # … are this much likelier than those in commercial superblocks
ADDRESS_NUMBERS = (1, 399)
CANDIDATES_FULL = 240
CANDIDATE_KINDS = ("闲置用房", "社区用房", "沿街商铺", "公园绿地", "学校周边")
CANDIDATE_SHARES = (0.25, 0.30, 0.25, 0.10, 0.10)
CANDIDATE_AREA_M2 = {"闲置用房": (40, 300), "社区用房": (60, 400), "沿街商铺": (30, 200),
                     "公园绿地": (20, 80), "学校周边": (30, 150)}
CANDIDATE_NAME = {"闲置用房": "{place}闲置用房", "社区用房": "{place}社区用房", "沿街商铺": "{road}沿街商铺",
                  "公园绿地": "{place}绿地", "学校周边": "{place}周边用房"}
CANDIDATE_BASE_WEIGHT = 20.0  # added to a cell's residents when sampling candidate cells
ORDER_BAND_M = 100.0  # candidates are numbered north→south in bands this high, west→east within


@dataclass(frozen=True)
class Cells:
    """Per-cell facts used to place points, flattened over the kept, unblocked cells."""

    idx: np.ndarray  # (n, 2) cell indices
    quads: np.ndarray  # (n, 4, 2) corners, UTM m
    centre: np.ndarray  # (n, 2)
    kind: np.ndarray  # superblock use
    place: np.ndarray  # superblock name
    residents: np.ndarray
    community: np.ndarray
    sides: np.ndarray  # (n, 4) kinds of the south, east, north, west edges
    east: np.ndarray  # east of the river
    gap: np.ndarray  # inside a coverage-gap zone


def _cells(rng: np.random.Generator, lattice: Lattice, land: LandUse, network: Network, barriers: Barriers,
           buildings: pd.DataFrame, admin: Admin) -> Cells:
    """Gather the facts about the free cells and draw the coverage-gap zones."""
    idx = np.argwhere(free_cells(lattice, barriers))
    cx, cy = idx[:, 0], idx[:, 1]
    quads = lattice.cell_quads()[cx, cy]
    centre = quads.mean(axis=1)
    residents = np.zeros((lattice.nx, lattice.ny))
    np.add.at(residents, (buildings.cx.to_numpy(), buildings.cy.to_numpy()), buildings.residents)
    kind = land.cell_type()[cx, cy]
    east = barriers.east_of_river(centre[:, 0], centre[:, 1])
    f = lattice.linear_scale
    far = (np.hypot(*(centre - np.array(lattice.centre_xy)).T) > GAP_MIN_DISTANCE_M * f) & ~east
    seeds = np.flatnonzero(far & (kind == lu.COMPOUND))
    gap = np.zeros(len(idx), bool)
    for s in rng.choice(seeds, size=min(GAP_ZONES, len(seeds)), replace=False):
        gap |= np.hypot(*(centre - centre[s]).T) <= GAP_RADIUS_M * f
    return Cells(idx, quads, centre, kind, land.cell_place()[cx, cy], residents[cx, cy],
                 admin.cell_community[cx, cy], network.cell_side_kinds(cx, cy), east, gap)


def _place_points(rng: np.random.Generator, cells: Cells, rows: np.ndarray, side_kinds: tuple[str, ...],
                  tree: shapely.STRtree) -> tuple[np.ndarray, np.ndarray]:
    """Points beside an edge of the allowed kinds in each chosen cell, clear of buildings.

    Returns the points (UTM) and a mask of the rows where placement succeeded.
    """
    n = len(rows)
    points = np.full(n, None, dtype=object)
    allowed = np.isin(cells.sides[rows], side_kinds)
    for _ in range(PLACEMENT_TRIES):
        todo = np.flatnonzero(pd.isna(points) & allowed.any(axis=1))
        if len(todo) == 0:
            break
        keys = rng.random((len(todo), 4)) + allowed[todo]  # allowed sides win
        side = keys.argmax(axis=1)
        q = cells.quads[rows[todo]]
        a, b = q[np.arange(len(todo)), side], q[np.arange(len(todo)), (side + 1) % 4]
        t = rng.uniform(*ALONG_EDGE, len(todo))[:, None]
        base = a + t * (b - a)
        normal = np.column_stack([-(b - a)[:, 1], (b - a)[:, 0]])
        normal /= np.hypot(*normal.T)[:, None]  # counter-clockwise ring: left normal points inwards
        pts = shapely.points(base + rng.uniform(*OFFSET_FROM_EDGE_M, len(todo))[:, None] * normal)
        hit_idx, _ = tree.query(pts, predicate="dwithin", distance=BUILDING_CLEARANCE_M)
        clear = np.ones(len(todo), bool)
        clear[hit_idx] = False
        points[todo[clear]] = pts[clear]
    ok = ~pd.isna(points)
    return points, ok


def _weighted_order(rng: np.random.Generator, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`rows` in the order of a weighted draw without replacement (Efraimidis–Spirakis keys)."""
    rows = rows[weights[rows] > 0]
    keys = np.log(rng.random(len(rows))) / weights[rows]
    return rows[np.argsort(-keys, kind="stable")]


def _pick_and_place(rng: np.random.Generator, cells: Cells, ordered: np.ndarray, n: int, spacing_m: float,
                    taken: list[np.ndarray], side_kinds: tuple[str, ...],
                    tree: shapely.STRtree) -> tuple[list[int], list[shapely.Point]]:
    """Walk `ordered` cell rows and place up to `n` points, each `spacing_m` from earlier ones."""
    rows: list[int] = []
    points: list[shapely.Point] = []
    placed = list(taken)
    for r in ordered:
        if len(rows) == n:
            break
        if placed and np.min(np.hypot(*(np.array(placed) - cells.centre[r]).T)) < spacing_m:
            continue
        pts, ok = _place_points(rng, cells, np.array([r]), side_kinds, tree)
        if ok[0]:
            rows.append(int(r))
            points.append(pts[0])
            placed.append(cells.centre[r])
    return rows, points


def _services(rng: np.random.Generator, kind: str) -> str:
    base, extras, (lo, hi) = SERVICE_PLAN[kind]
    k = int(rng.integers(lo, hi + 1))
    offered = set(base) | {extras[j] for j in rng.choice(len(extras), size=k, replace=False)}
    return SERVICE_SEPARATOR.join(s for s in SERVICES if s in offered)


def build_stations(rng: np.random.Generator, lattice: Lattice, land: LandUse, network: Network, barriers: Barriers,
                   buildings: pd.DataFrame, admin: Admin, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place the stations and the candidate sites; return both tables (UTM points)."""
    cells = _cells(rng, lattice, land, network, barriers, buildings, admin)
    tree = shapely.STRtree(buildings.geometry.to_numpy())
    f = lattice.linear_scale
    records: list[dict] = []

    def add(kind: str, ordered: np.ndarray, n: int, spacing_m: float, taken: list[np.ndarray],
            side_kinds: tuple[str, ...]) -> list[np.ndarray]:
        rows, points = _pick_and_place(rng, cells, ordered, n, spacing_m, taken, side_kinds, tree)
        records.extend({"kind": kind, "row": r, "geometry": p} for r, p in zip(rows, points, strict=True))
        return [cells.centre[r] for r in rows]

    centres: list[np.ndarray] = []
    for street in admin.streets.itertuples():
        comm_codes = admin.communities.code[admin.communities.street_code == street.code].to_numpy()
        inside = np.flatnonzero(np.isin(cells.community, comm_codes))
        target = np.array(shapely.get_coordinates(shapely.centroid(street.geometry))[0])
        nearest_first = inside[np.argsort(np.hypot(*(cells.centre[inside] - target).T), kind="stable")]
        centres += add(CENTRE, nearest_first, 1, 0.0, [], ROAD_KINDS)

    serviceable = ~cells.east & ~cells.gap
    housing = np.flatnonzero(np.isin(cells.kind, [lu.OLD, lu.COMPOUND]) & serviceable)
    n_posts = max(1, round(POSTS_PER_COMMUNITY * len(admin.communities)))
    add(POST, _weighted_order(rng, housing, cells.residents), n_posts, MIN_SPACING_M[POST] * f, centres, WALK_KINDS)

    n_city = max(3, round(CITY_STATIONS_FULL * scale))
    along_arterials = np.flatnonzero((cells.sides == "arterial").any(axis=1) & serviceable)
    add(CITY, rng.permutation(along_arterials), n_city, MIN_SPACING_M[CITY] * f, [], ("arterial",))

    markets = land.market_cells
    near_market = np.zeros(len(cells.kind), bool)
    for m in markets:
        near_market |= np.abs(cells.idx - m).max(axis=1) <= WARM_NEAR_MARKET_CELLS
    warm_ok = np.flatnonzero((near_market | (cells.kind == lu.COMMERCIAL)) & serviceable)
    n_warm = max(2, round(WARM_STATIONS_FULL * scale))
    add(WARM, _weighted_order(rng, warm_ok, np.where(near_market, MARKET_PREFERENCE, 1.0)), n_warm,
        MIN_SPACING_M[WARM] * f, [], ROAD_KINDS)

    st = pd.DataFrame(records)
    xy = shapely.get_coordinates(st.geometry.to_numpy())
    st["road"] = road_names(lattice, xy[:, 0], xy[:, 1], land)
    comm_names = dict(zip(admin.communities.code, admin.communities.name, strict=True))
    street_of = dict(zip(admin.communities.code, admin.communities.street_code, strict=True))
    street_names = dict(zip(admin.streets.code, admin.streets.name, strict=True))
    st["community_code"] = cells.community[st.row]
    market_at = {tuple(m): name for m, name in zip(markets.tolist(), land.market_names, strict=True)}

    labels, seen_comm = [], set()
    for r in st.itertuples():
        comm = r.community_code
        if r.kind == CENTRE:
            labels.append(street_names[street_of[comm]] + CENTRE)
        elif r.kind == POST:
            labels.append(f"{comm_names[comm]}{'' if comm not in seen_comm else cells.place[r.row]}党群服务站")
            seen_comm.add(comm)
        elif r.kind == CITY:
            labels.append(f"{CITY}·{r.road}")
        else:
            near = [name for m, name in market_at.items()
                    if max(abs(m[0] - cells.idx[r.row][0]), abs(m[1] - cells.idx[r.row][1])) <= WARM_NEAR_MARKET_CELLS]
            labels.append(f"{WARM}·{near[0] if near else cells.place[r.row]}")
    st["name"] = names.dedupe(labels, CITY_REPEAT_PATTERN)

    stations = _with_attributes(rng, st)
    return stations, _candidates(rng, lattice, land, cells, tree, scale)


def _with_attributes(rng: np.random.Generator, st: pd.DataFrame) -> pd.DataFrame:
    """Services, opening hours, status, address and code of the placed stations (in `st`'s order)."""
    n = len(st)
    st["services"] = [_services(rng, k) for k in st.kind]
    is_24h = (st.kind == WARM).to_numpy().copy()
    city_idx = np.flatnonzero(st.kind == CITY)
    is_24h[rng.choice(city_idx, size=round(len(city_idx) * CITY_24H_SHARE), replace=False)] = True
    hours = [("", "") if h else OPENING_HOURS[k][rng.integers(len(OPENING_HOURS[k]))]
             for k, h in zip(st.kind, is_24h, strict=True)]
    st["opens"] = [h[0] for h in hours]
    st["closes"] = [h[1] for h in hours]
    st["is_24h"] = is_24h
    status = np.full(n, "existing", dtype=object)
    others = np.flatnonzero(st.kind != CENTRE)
    status[rng.choice(others, size=max(1, round(n * PLANNED_SHARE)), replace=False)] = "planned"
    st["status"] = status
    numbers = rng.integers(ADDRESS_NUMBERS[0], ADDRESS_NUMBERS[1] + 1, size=n)
    st["address"] = [f"长治市潞州区{road}{k}号" for road, k in zip(st.road, numbers, strict=True)]
    st["code"] = [f"ST{k:03d}" for k in range(1, n + 1)]
    return st[["code", "name", "kind", "services", "opens", "closes", "is_24h", "status", "address",
               "community_code", "geometry"]]


def _candidates(rng: np.random.Generator, lattice: Lattice, land: LandUse, cells: Cells,
                tree: shapely.STRtree, scale: float) -> pd.DataFrame:
    """Candidate sites for new stations, denser where people live."""
    c = CELLS_PER_SUPERBLOCK
    local = cells.idx % c
    ring = (local.min(axis=1) == 0) | (local.max(axis=1) == c - 1)
    road_side = np.isin(cells.sides, ROAD_KINDS).any(axis=1)
    walk_side = np.isin(cells.sides, WALK_KINDS).any(axis=1)
    eligible = {
        "闲置用房": np.isin(cells.kind, [lu.OLD, lu.RAILWAY]),
        "社区用房": cells.kind == lu.COMPOUND,
        "沿街商铺": road_side & np.isin(cells.kind, [lu.OLD, lu.COMMERCIAL, lu.COMPOUND]),
        "公园绿地": np.isin(cells.kind, [lu.PARK, lu.RIVERSIDE]),
        "学校周边": (cells.kind == lu.SCHOOL) & ring,
    }
    total = max(len(CANDIDATE_KINDS), round(CANDIDATES_FULL * scale))
    weight = cells.residents + CANDIDATE_BASE_WEIGHT
    records = []
    for kind, share in zip(CANDIDATE_KINDS, CANDIDATE_SHARES, strict=True):
        ordered = _weighted_order(rng, np.flatnonzero(eligible[kind] & walk_side), weight)
        rows, points = _pick_and_place(rng, cells, ordered, max(1, round(total * share)), 0.0, [], WALK_KINDS, tree)
        lo, hi = CANDIDATE_AREA_M2[kind]
        areas = rng.integers(lo, hi + 1, size=len(rows))
        records.extend({"kind": kind, "row": r, "geometry": p, "floor_area_m2": a}
                       for r, p, a in zip(rows, points, areas, strict=True))
    cand = pd.DataFrame(records)
    xy = shapely.get_coordinates(cand.geometry.to_numpy())
    order = np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / ORDER_BAND_M)))
    cand = cand.iloc[order].reset_index(drop=True)
    roads = road_names(lattice, xy[order, 0], xy[order, 1], land)
    cand["name"] = names.dedupe([CANDIDATE_NAME[k].format(place=cells.place[r], road=road)
                                 for k, r, road in zip(cand.kind, cand.row, roads, strict=True)])
    cand["code"] = [f"C{k:04d}" for k in range(1, len(cand) + 1)]
    cand["floor_area_m2"] = cand.floor_area_m2.astype(np.int64)
    return cand[["code", "name", "kind", "floor_area_m2", "geometry"]]
