"""A year of 12345-hotline-style incident reports, with a few deliberately broken rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from data.demo_city import names
from data.demo_city.categories import CATEGORIES, HOURS, SEASONS, WEEKDAYS, Category
from data.demo_city.frame import Lattice, xy_to_lonlat
from data.demo_city.landuse import LandUse, road_names
from data.demo_city.network import Network
from geo.coords.chinacoords import wgs84_to_bd09, wgs84_to_gcj02

INCIDENTS_FULL = 32_000  # rows at scale 1
FIRST_DAY = dt.date(2025, 11, 1)
LAST_DAY = dt.date(2026, 10, 31)
UTC_OFFSET = "+08:00"
# (first day, last day, volume factor, factor for weekend-type categories such as noise).
HOLIDAYS = (
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23), 0.6, 1.3),  # Spring Festival
    (dt.date(2026, 10, 1), dt.date(2026, 10, 7), 0.7, 1.2),  # National Day
)
CHANNELS = (("12345热线", 0.62), ("网络", 0.15), ("现场", 0.09), ("走访", 0.08), ("信箱", 0.06))
HOME_JITTER_M = 20.0  # Gaussian scatter around the chosen building, m
MARKET_JITTER_M = 40.0
ROAD_JITTER_M = 8.0
ROAD_KIND_WEIGHT = {"arterial": 3.0, "street": 3.0, "alley": 1.0}
TOWER_MIN_FLOORS = 11
GCJ02_SHARE, BD09_SHARE = 0.03, 0.01
COORD_DECIMALS = 6
PHONE_PREFIX = "199-0000-"  # reserved-looking prefix, never a real subscriber
PHONE_SUFFIXES = 10_000
# Injected defects and their shares of all rows (about 2 % in total).
DEFECTS = (("empty_coordinates", 0.005), ("garbled_number", 0.005), ("swapped_lonlat", 0.003),
           ("outside_district", 0.003), ("unknown_category", 0.002), ("bad_timestamp", 0.002))
OUTSIDE_DISTANCE_M = (20_000.0, 60_000.0)  # from the study centre …
OUTSIDE_MIN_GAP_M = 5_000.0  # … and at least this far outside the district
UNKNOWN_CATEGORY_CODES = ("CAT99", "CAT00", "CAT7")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
COLUMNS = ("request_id", "reported_at", "channel", "category_code", "description", "reporter_name",
           "reporter_phone", "lon", "lat", "coord_system")


def _day_weights(cat: Category, days: pd.DatetimeIndex) -> np.ndarray:
    season = np.array(SEASONS[cat.season])[days.month - 1]
    weekday = np.array(WEEKDAYS[cat.weekdays])[days.day_of_week]
    w = season * weekday
    for first, last, factor, weekend_factor in HOLIDAYS:
        inside = (days.date >= first) & (days.date <= last)
        w[inside] *= weekend_factor if cat.weekdays == "weekend" else factor
    return w / w.sum()


def _timestamps(rng: np.random.Generator, cat: Category, n: int, days: pd.DatetimeIndex) -> list[str]:
    day = rng.choice(len(days), size=n, p=_day_weights(cat, days))
    hours = np.array(HOURS[cat.hours])
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    minute, second = rng.integers(0, 60, n), rng.integers(0, 60, n)
    return [f"{days[d].date().isoformat()}T{h:02d}:{m:02d}:{s:02d}{UTC_OFFSET}"
            for d, h, m, s in zip(day, hour, minute, second, strict=True)]


def _locations(rng: np.random.Generator, cat: Category, n: int, lattice: Lattice, land: LandUse,
               buildings: pd.DataFrame, markets: np.ndarray, roads: tuple[np.ndarray, np.ndarray]) -> tuple:
    """UTM points and the place named in the description for `n` incidents of `cat`."""
    where = np.array(cat.where if len(markets) else (cat.where[0] + cat.where[1], 0.0, cat.where[2]))
    source = rng.choice(3, size=n, p=where / where.sum())
    xy = np.zeros((n, 2))
    place = np.empty(n, dtype=object)

    home = np.flatnonzero(source == 0)
    weight = buildings.residents.to_numpy(float)
    if cat.towers_only:
        weight = weight * (buildings.floors.to_numpy() >= TOWER_MIN_FLOORS)
    b = rng.choice(len(buildings), size=len(home), p=weight / weight.sum())
    xy[home] = buildings[["x", "y"]].to_numpy()[b] + rng.normal(0, HOME_JITTER_M, (len(home), 2))
    place[home] = buildings.name.to_numpy()[b]

    market = np.flatnonzero(source == 1)
    m = rng.integers(0, max(1, len(markets)), size=len(market))
    if len(market):
        xy[market] = markets[m] + rng.normal(0, MARKET_JITTER_M, (len(market), 2))
        place[market] = np.array(land.market_names, dtype=object)[m]

    road = np.flatnonzero(source == 2)
    segments, seg_weight = roads
    e = rng.choice(len(segments), size=len(road), p=seg_weight)
    t = rng.random(len(road))[:, None]
    xy[road] = (segments[e, 0] + t * (segments[e, 1] - segments[e, 0])
                + rng.normal(0, ROAD_JITTER_M, (len(road), 2)))
    if len(road):
        place[road] = road_names(lattice, xy[road, 0], xy[road, 1], land)
    return xy, place


def _outside_points(rng: np.random.Generator, n: int, centre: tuple[float, float],
                    outline_utm: shapely.MultiPolygon) -> np.ndarray:
    """`n` UTM points tens of kilometres away and well outside the district."""
    far = outline_utm.buffer(OUTSIDE_MIN_GAP_M)
    shapely.prepare(far)
    found = np.zeros((0, 2))
    while len(found) < n:
        angle = rng.uniform(0, 2 * np.pi, 4 * n)
        r = rng.uniform(*OUTSIDE_DISTANCE_M, 4 * n)
        pts = np.column_stack([centre[0] + r * np.cos(angle), centre[1] + r * np.sin(angle)])
        found = np.vstack([found, pts[~shapely.contains_xy(far, pts[:, 0], pts[:, 1])]])
    return found[:n]


def _garble(lon: str, lat: str, k: int) -> tuple[str, str]:
    """Three kinds of typing or OCR damage, chosen by k: a letter, a decimal comma, full-width digits."""
    if k == 0:
        head, tail = lon.split(".")
        pos = tail.find("1")
        return (f"{head}.{tail[:pos]}l{tail[pos + 1:]}" if pos >= 0 else f"1l{lon[2:]}"), lat
    if k == 1:
        return lon, lat.replace(".", ",")
    return lon.translate(FULL_WIDTH), lat


def _bad_timestamp(stamp: str, k: int) -> str:
    """Three kinds of unparseable timestamps, chosen by k."""
    date, time = stamp[:10], stamp[11:19]
    if k == 0:
        return f"{date[:8]}32T{time}{UTC_OFFSET}"  # day 32
    if k == 1:
        return f"{date}T25{time[2:]}{UTC_OFFSET}"  # hour 25
    return f"{int(date[5:7])}月{int(date[8:10])}日 下午"


def build_incidents(rng: np.random.Generator, lattice: Lattice, land: LandUse, network: Network,
                    buildings: pd.DataFrame, outline_utm: shapely.MultiPolygon,
                    scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the incident table (all text columns) and the list of injected defects."""
    n_total = max(len(CATEGORIES) * 10, round(INCIDENTS_FULL * scale))
    days = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    weights = np.array([c.weight for c in CATEGORIES])
    counts = rng.multinomial(n_total, weights / weights.sum())
    quads = lattice.cell_quads()
    markets = quads[land.market_cells[:, 0], land.market_cells[:, 1]].mean(axis=1)
    edges = network.edges[network.edges.kind.isin(list(ROAD_KIND_WEIGHT))]
    segments = edges[["x0", "y0", "x1", "y1"]].to_numpy().reshape(-1, 2, 2)
    seg_weight = edges.length_m.to_numpy() * edges.kind.map(ROAD_KIND_WEIGHT).to_numpy()

    parts = []
    for cat, n in zip(CATEGORIES, counts, strict=True):
        stamps = _timestamps(rng, cat, n, days)
        xy, place = _locations(rng, cat, n, lattice, land, buildings, markets,
                               (segments, seg_weight / seg_weight.sum()))
        template = rng.integers(0, len(cat.templates), n)
        parts.append(pd.DataFrame({
            "reported_at": stamps, "category_code": cat.code, "x": xy[:, 0], "y": xy[:, 1],
            "description": [cat.templates[t].format(place=p) for t, p in zip(template, place, strict=True)],
        }))
    inc = pd.concat(parts, ignore_index=True)
    inc = inc.sort_values(["reported_at", "category_code", "x"], kind="stable").reset_index(drop=True)
    n = len(inc)
    inc.insert(0, "request_id", [f"REQ{FIRST_DAY.year}-{k:06d}" for k in range(1, n + 1)])
    channels = [c for c, _ in CHANNELS]
    shares = np.array([s for _, s in CHANNELS])
    inc["channel"] = np.array(channels, dtype=object)[rng.choice(len(channels), n, p=shares)]
    inc["reporter_name"] = names.person_names(rng, n)
    inc["reporter_phone"] = [f"{PHONE_PREFIX}{k:04d}" for k in rng.integers(0, PHONE_SUFFIXES, n)]

    lon, lat = xy_to_lonlat(inc.x.to_numpy(), inc.y.to_numpy())
    system = rng.choice(3, n, p=[1 - GCJ02_SHARE - BD09_SHARE, GCJ02_SHARE, BD09_SHARE])
    gcj, bd = system == 1, system == 2
    lon[gcj], lat[gcj] = wgs84_to_gcj02(lon[gcj], lat[gcj])
    lon[bd], lat[bd] = wgs84_to_bd09(lon[bd], lat[bd])
    inc["coord_system"] = np.array(["WGS84", "GCJ02", "BD09"], dtype=object)[system]
    fmt = f"{{:.{COORD_DECIMALS}f}}"
    inc["lon"] = [fmt.format(v) for v in lon]
    inc["lat"] = [fmt.format(v) for v in lat]

    wgs_rows = np.flatnonzero(system == 0)
    n_bad = [max(1, round(share * n)) for _, share in DEFECTS]
    bad = rng.choice(wgs_rows, size=sum(n_bad), replace=False)
    defect_rows = []
    start = 0
    for (defect, _), k in zip(DEFECTS, n_bad, strict=True):
        rows = np.sort(bad[start:start + k])
        start += k
        if defect == "empty_coordinates":
            inc.loc[rows, ["lon", "lat"]] = ""
        elif defect == "garbled_number":
            fixed = [_garble(inc.lon[r], inc.lat[r], j % 3) for j, r in enumerate(rows)]
            inc.loc[rows, "lon"] = [f[0] for f in fixed]
            inc.loc[rows, "lat"] = [f[1] for f in fixed]
        elif defect == "swapped_lonlat":
            inc.loc[rows, ["lon", "lat"]] = inc.loc[rows, ["lat", "lon"]].to_numpy()
        elif defect == "outside_district":
            far_lon, far_lat = xy_to_lonlat(*_outside_points(rng, k, lattice.centre_xy, outline_utm).T)
            inc.loc[rows, "lon"] = [fmt.format(v) for v in far_lon]
            inc.loc[rows, "lat"] = [fmt.format(v) for v in far_lat]
        elif defect == "unknown_category":
            inc.loc[rows, "category_code"] = [UNKNOWN_CATEGORY_CODES[j % len(UNKNOWN_CATEGORY_CODES)]
                                              for j in range(k)]
        else:
            inc.loc[rows, "reported_at"] = [_bad_timestamp(inc.reported_at[r], j % 3) for j, r in enumerate(rows)]
        defect_rows.extend((inc.request_id[r], defect) for r in rows)
    bad_rows = pd.DataFrame(defect_rows, columns=["request_id", "defect"]).sort_values("request_id")
    return inc[list(COLUMNS)], bad_rows.reset_index(drop=True)
