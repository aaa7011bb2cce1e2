"""A what-if saved as a scenario: stations a planner placed, moved or removed on the map, kept.

The figures are the what-if's (geo.walking.whatif: stations of the kind open at the hour, each
building's walk to the nearest, covered within the limit), stored like a solved scenario so the
siting page, map, comparison and downloads treat it the same way. Its sites are the stations
added, in the order of what each adds to the stations kept (moved ones at their new place);
moved and removed stations are listed in the inputs. Nothing is claimed about optimality:
the method is "manual".
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict

import numpy as np
import psycopg
import shapely
from scipy import sparse

from geo.coords.crs import to_ewkb
from geo.db import sql as sql_file
from geo.errors import BadRequest
from geo.layers import stations as stations_mod
from geo.network import snap
from geo.planning import _order
from geo.walking import circles as circles_mod
from geo.walking import whatif
from geo.walking._loaded import Loaded
from geo.walking.access import counting, nearest
from geo.walking.store import network_version

MAX_SITES = 50


def store(conn: psycopg.Connection, loaded: Loaded, change: whatif.Change, *, name: str, kind: str,
          at: dt.time | None = None, include_planned: bool = False, limit_m: float = 1000.0,
          speed_kmh: float = circles_mod.DEFAULT_SPEED_KMH) -> int:
    """Store `change` as a scenario named `name` (coverage measured as the what-if measures it); its id.

    The caller commits.
    """
    if not name.strip():
        raise BadRequest("方案名称不能为空")
    if not (change.add or change.move or change.remove):
        raise BadRequest("没有改动：请先放置、移动或撤除驿站")
    if len(change.add) > MAX_SITES:
        raise BadRequest(f"新增站点至多{MAX_SITES}处")
    started = time.perf_counter()
    answer = whatif.whatif(conn, loaded, change, kind=kind, at=at, include_planned=include_planned, limit_m=limit_m,
                           speed_kmh=speed_kmh)
    everything = stations_mod.load(conn)
    after, _ = whatif.apply(everything, change)
    counted = counting(after, kind, at, include_planned)
    added = np.flatnonzero(after.ids < 0)
    kept = after.select(counted & (after.ids >= 0))
    base = nearest(loaded.graph, kept, loaded.buildings)[0].distance_m <= limit_m
    residents = loaded.residents
    columns = _coverage(loaded, after.select(added), limit_m)
    order = _order.in_order(columns, residents.astype(float), base, np.arange(len(added)))
    before, later = answer["before"], answer["after"]
    gained = later["covered"] - before["covered"]
    inputs = {"name": name, "kind": kind, "at": at.strftime("%H:%M") if at else None,
              "include_planned": include_planned, "limit_m": limit_m, "method": "manual",
              "add": [{**asdict(s), "opens": _hhmm(s.opens), "closes": _hhmm(s.closes)} for s in change.add],
              "move": {code: list(p) for code, p in change.move.items()}, "remove": list(change.remove)}
    scenario_id = conn.execute(sql_file("siting_scenario_insert"), {
        "name": name, "inputs": json.dumps(inputs, ensure_ascii=False), "network_version": network_version(conn),
        "method": "manual", "status": "manual", "sites": len(added), "objective": float(gained), "bound": None,
        "gap": None, "seconds": time.perf_counter() - started, "residents": before["residents"],
        "covered_before": before["covered"], "covered_after": later["covered"],
        "demand_total": float(before["residents"]), "demand_before": float(before["covered"]),
        "demand_after": float(later["covered"]),
        "details": json.dumps({"newly_covered": answer["newly_covered"], "newly_lost": answer["newly_lost"],
                               "moved": len(change.move), "removed": len(change.remove),
                               "stations_before": answer["stations_before"],
                               "stations_after": answer["stations_after"]}, ensure_ascii=False),
        "newly_covered_area": to_ewkb(answer["newly_covered_area"])}).fetchone()[0]
    _sites(conn, scenario_id, loaded, after.select(added), order, limit_m, speed_kmh)
    with conn.cursor().copy("COPY siting_streets (scenario_id, street_code, residents, covered_before, "
                            "covered_after) FROM STDIN") as copy:
        for row in answer["by_street"]:
            copy.write_row((scenario_id, row["code"], row["residents"], row["covered_before"], row["covered_after"]))
    return int(scenario_id)


def verdict(details: dict[str, object]) -> str:
    """What a manual scenario is, in Chinese: no optimality claimed, what it gains and loses."""
    return (f"手动方案（在地图上推演后保存，未经求解）：新增覆盖{details.get('newly_covered', 0):,}人，"
            f"失去覆盖{details.get('newly_lost', 0):,}人；移动{details.get('moved', 0)}处，撤除{details.get('removed', 0)}处")


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _coverage(loaded: Loaded, sites: stations_mod.Stations, limit_m: float) -> sparse.csc_matrix:
    """Demand × sites coverage (CSC): building i is within `limit_m` metres' walk of site j."""
    columns = [np.flatnonzero(nearest(loaded.graph, sites.select(np.arange(len(sites)) == j),
                                      loaded.buildings)[0].distance_m <= limit_m) for j in range(len(sites))]
    rows = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([np.full(len(c), j) for j, c in enumerate(columns)]) if columns else rows
    return sparse.csc_matrix((np.ones(len(rows), dtype=bool), (rows, cols)),
                             shape=(len(loaded.building_ids), len(sites)))


def _sites(conn: psycopg.Connection, scenario_id: int, loaded: Loaded, sites: stations_mod.Stations,
           order: list[tuple[int, np.ndarray]], limit_m: float, speed_kmh: float) -> None:
    """The added stations as the scenario's sites, in order of what each adds, with their walking circles."""
    params = circles_mod.WalkParams((limit_m * circles_mod.MINUTES_PER_HOUR / (speed_kmh * circles_mod.METRES_PER_KM),),
                                    speed_kmh)
    snapped = snap.snap(loaded.graph, snap.lonlat_to_points(loaded.graph, sites.lon, sites.lat))
    shapes = {c.source: c.geom for c in circles_mod.circles(loaded.graph, snapped, params, lonlat=True)}
    with conn.cursor().copy("COPY siting_sites (scenario_id, rank, candidate_id, code, name, newly_covered, geom, "
                            "circle) FROM STDIN") as copy:
        for rank, (j, new) in enumerate(order, start=1):
            circle = shapes.get(j)
            copy.write_row((scenario_id, rank, None, f"新增{rank}", f"手动新增（{sites.kinds[j]}）",
                            int(loaded.residents[new].sum()), to_ewkb(shapely.Point(sites.lon[j], sites.lat[j])),
                            to_ewkb(circle) if circle is not None else None))
