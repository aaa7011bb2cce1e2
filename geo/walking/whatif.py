"""What if stations were added, moved or removed: coverage before and after, nothing stored.

The same rule as the stored path (geo.walking.access + geo.walking.coverage): the stations of
`kind` open at `at` (existing ones, planned ones too with `include_planned`), each building's
walking distance to the nearest of them along the network, covered when within `limit_m`.
Added and moved stations count as existing. The newly covered area is the walking circles of
the added and moved stations (built as every circle is) less the circles of the stations that
could reach the same ground before.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import psycopg
import shapely

from geo.errors import BadRequest, NotFound
from geo.layers import stations as stations_mod
from geo.layers.stations import Stations
from geo.network import snap
from geo.network.graph import WalkGraph
from geo.walking._loaded import Loaded
from geo.walking.access import ANY_KIND, counting, nearest
from geo.walking.circles import METRES_PER_KM, MINUTES_PER_HOUR, WalkParams, circles

AREAS = """
SELECT bu.id, co.code, co.name, st.code, st.name
FROM buildings AS bu
LEFT JOIN grids AS g ON g.id = bu.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
LEFT JOIN streets AS st ON st.code = co.street_code
ORDER BY bu.id
"""
NEW_ID = -1  # ids of added stations count down from here
MAX_KEPT_CIRCLES = 4096  # walking circles kept per graph (positions asked about before)
_circles_lock = threading.Lock()


@dataclass(frozen=True)
class NewStation:
    """A station to add at `lon`, `lat` (WGS 84 degrees); open all day unless hours are given."""

    lon: float
    lat: float
    kind: str
    is_24h: bool = True
    opens: dt.time | None = None
    closes: dt.time | None = None


@dataclass(frozen=True)
class Change:
    """Stations to add, to move (code → new lon, lat in WGS 84) and to remove (codes)."""

    add: tuple[NewStation, ...] = ()
    move: dict[str, tuple[float, float]] = field(default_factory=dict)
    remove: tuple[str, ...] = ()


def apply(stations: Stations, change: Change) -> tuple[Stations, np.ndarray]:
    """The stations after `change`, and a mask of those added or moved; NotFound naming unknown codes."""
    unknown = sorted((set(change.move) | set(change.remove)) - set(stations.codes))
    if unknown:
        raise NotFound(f"没有编码为“{'、'.join(unknown)}”的驿站")
    lon, lat = stations.lon.copy(), stations.lat.copy()
    for code, (x, y) in change.move.items():
        i = int(np.flatnonzero(stations.codes == code)[0])
        lon[i], lat[i] = x, y
    moved = np.isin(stations.codes, list(change.move))
    kept = ~np.isin(stations.codes, list(change.remove))
    after = replace(stations, lon=lon, lat=lat).select(kept)
    moved = moved[kept]
    if not change.add:
        return after, moved
    n = len(change.add)
    added = Stations(
        ids=np.arange(NEW_ID, NEW_ID - n, -1, dtype=np.int64), codes=np.array([f"新增{i + 1}" for i in range(n)], dtype=object),
        kinds=np.array([s.kind for s in change.add], dtype=object), existing=np.ones(n, dtype=bool),
        is_24h=np.array([s.is_24h for s in change.add], dtype=bool),
        opens=np.array([s.opens for s in change.add], dtype=object), closes=np.array([s.closes for s in change.add], dtype=object),
        lon=np.array([s.lon for s in change.add], dtype=float), lat=np.array([s.lat for s in change.add], dtype=float))
    joined = Stations(*(np.concatenate([getattr(after, f), getattr(added, f)]) for f in Stations.__dataclass_fields__))
    return joined, np.concatenate([moved, np.ones(n, dtype=bool)])


def distances(loaded: Loaded, stations: Stations) -> np.ndarray:
    """Each building's walking distance (m) to the nearest of `stations` (inf if none reaches it)."""
    return nearest(loaded.graph, stations, loaded.buildings)[0].distance_m


def newly_covered_area(graph: WalkGraph, before: np.ndarray, changed: np.ndarray, limit_m: float,
                       speed_kmh: float) -> shapely.Geometry:
    """The walking circles (at `limit_m` metres) of the stations at `changed` less those of the stations at
    `before` near enough to overlap them; positions and result in EPSG:4326 (lon/lat rows of (n, 2) arrays)."""
    if len(changed) == 0:
        return shapely.MultiPolygon()
    params = WalkParams((limit_m * MINUTES_PER_HOUR / (speed_kmh * METRES_PER_KM),), speed_kmh)
    new_xy = shapely.get_coordinates(snap.lonlat_to_points(graph, changed[:, 0], changed[:, 1]))
    old_xy = shapely.get_coordinates(snap.lonlat_to_points(graph, before[:, 0], before[:, 1]))
    # Walking is never shorter than the straight line: farther stations cannot share ground with the new ones.
    near = (np.hypot(*(old_xy[:, None, :] - new_xy[None, :, :]).transpose(2, 0, 1)) <= 2 * limit_m + 100).any(axis=1)
    gained = shapely.union_all(_circles_at(graph, changed, params))
    for circle in _circles_at(graph, before[near], params):  # one small difference at a time, not a big union
        if shapely.intersects(gained, circle):
            gained = shapely.difference(gained, circle)
    return gained


def _circles_at(graph: WalkGraph, lonlat: np.ndarray, params: WalkParams) -> list[shapely.Geometry]:
    """The walking circles of stations at `lonlat` (EPSG:4326; off-network ones have none), each made once
    per graph, position and parameters: existing stations are asked about again and again."""
    kept = graph.__dict__.setdefault("_whatif_circles", OrderedDict())
    keys = [(float(x), float(y), params) for x, y in lonlat]
    missing = [i for i, key in enumerate(keys) if key not in kept]
    if missing:
        snapped = snap.snap(graph, snap.lonlat_to_points(graph, lonlat[missing, 0], lonlat[missing, 1]))
        made = {c.source: c.geom for c in circles(graph, snapped, params, lonlat=True)}
        with _circles_lock:
            for j, i in enumerate(missing):
                kept[keys[i]] = made.get(j)
            while len(kept) > MAX_KEPT_CIRCLES:
                kept.popitem(last=False)
    return [g for g in (kept.get(key) for key in keys) if g is not None]


def whatif(conn: psycopg.Connection, loaded: Loaded, change: Change, *, kind: str = ANY_KIND,
           at: dt.time | None = None, include_planned: bool = False, limit_m: float = 1000.0,
           speed_kmh: float = 4.0) -> dict[str, object]:
    """Coverage before and after `change`, per street and community, the residents newly covered
    and newly lost, and the newly covered area (a GeoJSON-ready shapely geometry in EPSG:4326)."""
    if not 0 < limit_m <= 3000:
        raise BadRequest("limit_m：步行距离上限须在0～3000米之间")
    everything = stations_mod.load(conn)
    after_all, changed = apply(everything, change)
    before = everything.select(counting(everything, kind, at, include_planned))
    after_mask = counting(after_all, kind, at, include_planned)
    after = after_all.select(after_mask)
    was = distances(loaded, before) <= limit_m
    now = distances(loaded, after) <= limit_m
    residents = loaded.residents
    areas = conn.execute(AREAS).fetchall()
    if [r[0] for r in areas] != loaded.building_ids.tolist():
        raise RuntimeError("buildings changed while the what-if ran; ask again")
    return {
        "before": _total(residents, was), "after": _total(residents, now),
        "newly_covered": int(residents[now & ~was].sum()), "newly_lost": int(residents[was & ~now].sum()),
        "by_street": _by_area(areas, 3, residents, was, now), "by_community": _by_area(areas, 1, residents, was, now),
        "stations_before": len(before), "stations_after": len(after),
        "newly_covered_area": newly_covered_area(loaded.graph, _lonlat(before),
                                                 _lonlat(after_all.select(after_mask & changed)), limit_m, speed_kmh),
    }


def _lonlat(stations: Stations) -> np.ndarray:
    return np.column_stack([stations.lon, stations.lat]).reshape(-1, 2)


def _total(residents: np.ndarray, covered: np.ndarray) -> dict[str, object]:
    total, inside = int(residents.sum()), int(residents[covered].sum())
    return {"residents": total, "covered": inside, "share": round(inside / total, 4) if total else None}


def _by_area(areas: list[tuple], column: int, residents: np.ndarray, was: np.ndarray,
             now: np.ndarray) -> list[dict[str, object]]:
    """Per area (code at `column`, name after it): residents, covered before and after, largest change first."""
    codes = np.array([r[column] or "" for r in areas], dtype=object)
    names = {r[column]: r[column + 1] for r in areas}
    rows = []
    for code in sorted(set(codes) - {""}):
        inside = codes == code
        total = int(residents[inside].sum())
        before, after = int(residents[inside & was].sum()), int(residents[inside & now].sum())
        rows.append({"code": code, "name": names[code], "residents": total, "covered_before": before,
                     "covered_after": after, "share_before": round(before / total, 4) if total else None,
                     "share_after": round(after / total, 4) if total else None})
    return sorted(rows, key=lambda r: (-abs(r["covered_after"] - r["covered_before"]), r["code"]))
