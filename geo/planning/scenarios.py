"""Siting scenarios: build the covering instance from PostGIS, solve it (geo.planning), store it.

Demand is residential buildings (weight = residents, optionally raised where incidents are
dense) and, when asked, the gathering points of delivery and courier workers (weight =
workers × a factor). Existing stations of the kind, open at the hour, are fixed: what they
cover within the walking limit is not demand any more. Candidates are the `candidates`
layer, or points spread over the walking network. Coverage is by walking distance on the
network (geo.network.reach.walking_coverage, a sparse demand × sites matrix).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import psycopg
import shapely
from psycopg.rows import dict_row
from scipy import sparse
from scipy.spatial import cKDTree

from geo import planning
from geo.coords.crs import to_ewkb
from geo.db import sql as sql_file
from geo.errors import BadRequest, NotFound
from geo.layers import stations as stations_mod
from geo.layers.export import COORDINATE_DECIMALS
from geo.network import graph as graph_mod
from geo.network import reach, snap
from geo.network.graph import WalkGraph
from geo.planning import _forced, _order, manual, sites
from geo.progress import Progress
from geo.walking import circles as circles_mod
from geo.walking import whatif
from geo.walking.access import counting
from geo.walking.coverage import DEFAULT_LIMIT_M, check_kind
from geo.walking.store import network_version

Method = Literal["exact", "fast", "greedy"]
CandidateSource = Literal["layer", "network"]
INCIDENT_RADIUS_M = 250.0


@dataclass(frozen=True)
class ScenarioInputs:
    """What a planner asks. Exactly one of `k` (new sites) and `target_share` (0–1 of all demand).

    `kind`: kind of the new stations; existing stations of that kind count as fixed
    ('全部': stations of every kind). `at`: only stations open at that time of
    day count (None: any hour). `limit_m`: walking distance in metres (1,000 = 15 minutes).
    `incident_weight` w: a building's demand is residents × (1 + w × its incidents within
    250 m ÷ the mean over buildings). `worker_weight`: each worker at a gathering point
    counts as that many residents (0: gathering points are not demand). `candidates`:
    'layer' (the candidates layer) or 'network' (one network node per `spacing_m` square).
    `force_in` / `force_out`: candidate codes every answer must include / may not use; the
    answer is then the best one among those that include the forced sites.
    """

    name: str
    kind: str = "城市驿站"
    k: int | None = 5
    target_share: float | None = None
    at: dt.time | None = None
    include_planned: bool = False
    limit_m: float = DEFAULT_LIMIT_M
    method: Method = "exact"
    time_limit_s: float = 60.0
    incident_weight: float = 0.0
    worker_weight: float = 0.0
    candidates: CandidateSource = "layer"
    spacing_m: float = 150.0
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_kind(self.kind)
        object.__setattr__(self, "force_in", tuple(dict.fromkeys(self.force_in)))
        object.__setattr__(self, "force_out", tuple(dict.fromkeys(self.force_out)))
        both = sorted(set(self.force_in) & set(self.force_out))
        if both:
            raise BadRequest(f"站址“{'、'.join(both)}”不能既必选又排除")
        if self.k is not None and len(self.force_in) > self.k:
            raise BadRequest(f"必选站址{len(self.force_in)}处，多于新增站点数 k={self.k}")
        if not self.name.strip():
            raise BadRequest("方案名称不能为空")
        if (self.k is None) == (self.target_share is None):
            raise BadRequest("k（新增站点数）与 target_share（目标覆盖率）须且只能给出一个")
        if self.k is not None and not 0 <= self.k <= 1000:
            raise BadRequest(f"k 须为0～1000，实际为{self.k}")
        if self.target_share is not None and not 0 < self.target_share <= 1:
            raise BadRequest(f"目标覆盖率须在0～1之间（如0.85），实际为{self.target_share}")
        if self.method not in ("exact", "fast", "greedy"):
            raise BadRequest(f"method 应为 exact、fast 或 greedy，实际为“{self.method}”")
        if self.candidates not in ("layer", "network"):
            raise BadRequest(f"candidates 应为 layer 或 network，实际为“{self.candidates}”")
        for label, value in (("步行距离上限（米）", self.limit_m), ("求解时限（秒）", self.time_limit_s),
                             ("候选点间距（米）", self.spacing_m)):
            if not value > 0:
                raise BadRequest(f"{label}须大于0，实际为{value}")
        if self.incident_weight < 0 or self.worker_weight < 0:
            raise BadRequest("事件权重与新就业群体权重不能为负")

    def as_json(self) -> dict[str, object]:
        """The inputs as stored with the scenario (times as HH:MM)."""
        out = dataclasses.asdict(self)
        out["at"] = self.at.strftime("%H:%M") if self.at else None
        return out


@dataclass(frozen=True)
class Instance:
    """The covering problem built from the database, with what is needed to report on it."""

    problem: planning.SitingProblem
    residents: np.ndarray        # per demand point (0 for gathering points)
    streets: np.ndarray          # street code per demand point (None when outside every street)
    site_ids: np.ndarray         # candidate ids (-1 for generated network points)
    site_codes: np.ndarray
    site_names: np.ndarray
    site_lonlat: np.ndarray      # (n, 2) degrees
    sites: snap.Snapped
    existing_stations: int
    graph: WalkGraph
    free: np.ndarray             # site indices the solver chooses among (the problem's columns)
    forced: np.ndarray           # site indices forced in (fixed like existing stations)
    forced_cover: sparse.csc_matrix  # demand × forced sites
    before: np.ndarray           # demand covered by existing stations alone
    stations_lonlat: np.ndarray  # (n, 2) degrees: the existing stations that count


def build(conn: psycopg.Connection, inputs: ScenarioInputs, graph: WalkGraph | None = None) -> Instance:
    """Demand, candidates, existing coverage and the sparse walking-coverage matrix for `inputs`."""
    graph = graph or graph_mod.load(conn)
    rows = conn.execute(sql_file("siting_demand")).fetchall()
    residents = np.array([r[2] for r in rows], dtype=float)
    streets = [r[3] for r in rows]
    lonlat = np.array([(r[4], r[5]) for r in rows], dtype=float).reshape(-1, 2)
    weights = residents * _incident_factor(conn, graph, lonlat, inputs.incident_weight)
    if inputs.worker_weight > 0:
        spots = conn.execute(sql_file("siting_hotspots")).fetchall()
        residents = np.concatenate([residents, np.zeros(len(spots))])
        weights = np.concatenate([weights, [inputs.worker_weight * r[2] for r in spots]])
        streets += [r[3] for r in spots]
        lonlat = np.vstack([lonlat, np.array([(r[4], r[5]) for r in spots], dtype=float).reshape(-1, 2)])
    demand = snap.snap(graph, snap.lonlat_to_points(graph, lonlat[:, 0], lonlat[:, 1]))
    ids, codes, names, site_lonlat = _candidates(conn, graph, inputs)
    kept, forced = _forced.split(codes, inputs.force_in, inputs.force_out)
    ids, codes, names, site_lonlat, forced = ids[kept], codes[kept], names[kept], site_lonlat[kept], forced[kept]
    sites = snap.snap(graph, snap.lonlat_to_points(graph, site_lonlat[:, 0], site_lonlat[:, 1]))
    stations_lonlat = _existing(conn, inputs)
    existing = snap.snap(graph, snap.lonlat_to_points(graph, stations_lonlat[:, 0], stations_lonlat[:, 1]))
    cover = reach.walking_coverage(graph, demand, sites, inputs.limit_m).tocsc()
    stations_cover = reach.walking_coverage(graph, demand, existing, inputs.limit_m)
    free, fixed = np.flatnonzero(~forced), np.flatnonzero(forced)
    problem = planning.SitingProblem(cover[:, free], weights,
                                     existing=sparse.hstack([stations_cover, cover[:, fixed]]).tocsr())
    before = np.asarray((sparse.csr_matrix(stations_cover) != 0).sum(axis=1)).ravel() > 0
    return Instance(problem, residents, np.array(streets, dtype=object), ids, codes, names, site_lonlat, sites,
                    int(existing.on_network.sum()), graph, free, fixed, cover[:, fixed], before, stations_lonlat)


def _incident_factor(conn: psycopg.Connection, graph: WalkGraph, lonlat: np.ndarray, weight: float) -> np.ndarray:
    """1 + weight × (incidents within INCIDENT_RADIUS_M of each point ÷ their mean); ones when weight is 0."""
    if weight == 0 or len(lonlat) == 0:
        return np.ones(len(lonlat))
    spots = np.array(conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM incidents WHERE geom IS NOT NULL").fetchall(),
                     dtype=float).reshape(-1, 2)
    if len(spots) == 0:
        return np.ones(len(lonlat))
    metric = graph.to_metric()
    tree = cKDTree(np.column_stack(metric.transform(spots[:, 0], spots[:, 1])))
    counts = tree.query_ball_point(np.column_stack(metric.transform(lonlat[:, 0], lonlat[:, 1])),
                                   INCIDENT_RADIUS_M, return_length=True).astype(float)
    mean = counts.mean()
    return 1 + weight * counts / mean if mean > 0 else np.ones(len(lonlat))


def _candidates(conn: psycopg.Connection, graph: WalkGraph,
                inputs: ScenarioInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ids, codes, names, lon/lat) of the candidate sites: the layer's, or one network node per square."""
    if inputs.candidates == "layer":
        rows = conn.execute(sql_file("siting_candidates")).fetchall()
        if not rows:
            raise NotFound("候选站址图层为空：请先导入 candidates 图层，或改用路网生成候选点（candidates=network）")
        return (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=object),
                np.array([r[2] for r in rows], dtype=object), np.array([(r[3], r[4]) for r in rows], dtype=float))
    cells = np.floor(graph.node_xy / inputs.spacing_m).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)
    first = np.sort(first)
    lon, lat = graph.to_storage.transform(graph.node_xy[first, 0], graph.node_xy[first, 1])
    codes = np.array([f"路网节点{graph.node_ids[i]}" for i in first], dtype=object)
    return (np.full(len(first), -1, dtype=np.int64), codes, np.full(len(first), None, dtype=object),
            np.column_stack([lon, lat]))


def _existing(conn: psycopg.Connection, inputs: ScenarioInputs) -> np.ndarray:
    """Lon/lat (n, 2) of the existing stations that count (of the kind, open at the hour; planned ones if asked)."""
    stations = stations_mod.load(conn)
    chosen = stations.select(counting(stations, inputs.kind, inputs.at, inputs.include_planned))
    return np.column_stack([chosen.lon, chosen.lat]).reshape(-1, 2)


def solve(instance: Instance, inputs: ScenarioInputs) -> tuple[np.ndarray, dict[str, object]]:
    """Chosen candidate indices and the solver's report (status, objective, bound, gap, …)."""
    problem = instance.problem
    if inputs.target_share is not None:
        cover = planning.min_sites_for_share(problem, inputs.target_share, time_limit_s=inputs.time_limit_s)
        return cover.sites, {
            "method": "min_sites", "status": cover.status if cover.feasible else "infeasible",
            "objective": problem.gain(cover.sites), "bound": None, "gap": None, "seconds": cover.seconds,
            "optimal": cover.optimal, "feasible": cover.feasible, "lower_bound": cover.lower_bound,
            "max_share": cover.max_share}
    k = inputs.k - len(instance.forced)
    if inputs.method == "exact":
        result = planning.solve_mclp(problem, k, time_limit_s=inputs.time_limit_s)
    elif inputs.method == "fast":
        result = planning.fast_mclp(problem, k)
    else:
        result = planning.greedy(problem, k)
    return result.sites, {"method": result.method, "status": result.status, "objective": result.objective,
                          "bound": result.bound, "gap": result.gap, "seconds": result.seconds,
                          "optimal": result.optimal, "bound_kind": result.bound_kind}


def run(conn: psycopg.Connection, inputs: ScenarioInputs, graph: WalkGraph | None = None, *,
        replace: bool = False, progress: Progress | None = None) -> int:
    """Build, solve and store a scenario (inputs, sites with their walking circles, per street); its id.

    With `replace`, stored scenarios of the same name are deleted in the same transaction.
    """
    started = time.perf_counter()
    report_step = progress or (lambda *_: None)
    instance = build(conn, inputs, graph)
    report_step("步行覆盖矩阵", 1, 3)
    sites, report = solve(instance, inputs)
    report_step("求解", 2, 3)
    problem = instance.problem
    forced = [(int(instance.forced[j]), new) for j, new in _order.in_order(
        instance.forced_cover, problem.weights, instance.before, np.arange(len(instance.forced)))]
    order = forced + [(int(instance.free[s]), new) for s, new in _order.in_order(
        problem.coverage.tocsc(), problem.weights, problem.existing, sites)]
    after = instance.before.copy()
    for _, new in order:
        after |= new
    area = whatif.newly_covered_area(instance.graph, instance.stations_lonlat,
                                     instance.site_lonlat[[s for s, _ in order]].reshape(-1, 2), inputs.limit_m,
                                     circles_mod.DEFAULT_SPEED_KMH)
    report = _forced.with_forced(report, float(problem.weights[problem.existing & ~instance.before].sum()),
                                 len(forced))
    residents = instance.residents
    details = {key: report[key] for key in report if key not in ("method", "status", "objective", "bound", "gap",
                                                                  "seconds")}
    details.update(total_seconds=round(time.perf_counter() - started, 3), demand_points=problem.n_demand,
                   candidates=problem.n_candidates, existing_stations=instance.existing_stations)
    with conn.transaction():
        if replace:
            conn.execute("DELETE FROM siting_scenarios WHERE name = %s", (inputs.name,))
        scenario_id = conn.execute(sql_file("siting_scenario_insert"), {
            "name": inputs.name, "inputs": json.dumps(inputs.as_json(), ensure_ascii=False),
            "network_version": network_version(conn), "method": report["method"], "status": report["status"],
            "sites": len(order), "objective": float(report["objective"]), "bound": report["bound"],
            "gap": report["gap"], "seconds": float(report["seconds"]),
            "residents": int(residents.sum()), "covered_before": int(residents[instance.before].sum()),
            "covered_after": int(residents[after].sum()), "demand_total": problem.total,
            "demand_before": float(problem.weights[instance.before].sum()),
            "demand_after": float(problem.weights[after].sum()),
            "details": json.dumps(details, ensure_ascii=False), "newly_covered_area": to_ewkb(area)}).fetchone()[0]
        _store_sites(conn, scenario_id, instance, inputs, order, len(forced))
        _store_streets(conn, scenario_id, instance, after)
    report_step("保存", 3, 3)
    return scenario_id


def _store_sites(conn: psycopg.Connection, scenario_id: int, instance: Instance, inputs: ScenarioInputs,
                 order: list[tuple[int, np.ndarray]], forced: int) -> None:
    chosen = np.array([s for s, _ in order], dtype=np.int64)
    speed = circles_mod.DEFAULT_SPEED_KMH
    params = circles_mod.WalkParams((inputs.limit_m / (speed * circles_mod.METRES_PER_KM / 60.0),), speed)
    shapes = {int(chosen[c.source]): c.geom
              for c in circles_mod.circles(instance.graph, instance.sites.take(chosen), params, lonlat=True)}
    with conn.cursor().copy("COPY siting_sites (scenario_id, rank, candidate_id, code, name, newly_covered, geom, "
                            "circle, forced) FROM STDIN") as copy:
        for rank, (site, new) in enumerate(order, start=1):
            lon, lat = instance.site_lonlat[site]
            candidate = int(instance.site_ids[site])
            circle = shapes.get(site)
            copy.write_row((scenario_id, rank, candidate if candidate >= 0 else None, instance.site_codes[site],
                            instance.site_names[site], int(instance.residents[new].sum()),
                            to_ewkb(shapely.Point(lon, lat)), to_ewkb(circle) if circle is not None else None,
                            rank <= forced))


def _store_streets(conn: psycopg.Connection, scenario_id: int, instance: Instance, after: np.ndarray) -> None:
    existing = instance.before
    with conn.cursor().copy("COPY siting_streets (scenario_id, street_code, residents, covered_before, "
                            "covered_after) FROM STDIN") as copy:
        for street in sorted({s for s in instance.streets if s is not None}):
            mine = instance.streets == street
            copy.write_row((scenario_id, street, int(instance.residents[mine].sum()),
                            int(instance.residents[mine & existing].sum()),
                            int(instance.residents[mine & after].sum())))


def read(conn: psycopg.Connection, scenario_id: int) -> dict[str, object]:
    """A stored scenario: inputs, results, sites (without geometry) and per-street before/after."""
    cur = conn.cursor(row_factory=dict_row)
    scenario = cur.execute("SELECT * FROM siting_scenarios WHERE id = %s", (scenario_id,)).fetchone()
    if scenario is None:
        raise NotFound(f"没有编号为{scenario_id}的选址方案")
    del scenario["newly_covered_area"]  # a geometry: see newly_covered_geojson
    scenario["sites_chosen"] = cur.execute(
        "SELECT rank, candidate_id, code, name, newly_covered, ST_X(geom) AS lon, ST_Y(geom) AS lat "
        "FROM siting_sites WHERE scenario_id = %s ORDER BY rank", (scenario_id,)).fetchall()
    scenario["streets"] = cur.execute(sql_file("siting_streets"), {"id": scenario_id}).fetchall()
    return scenario


def listing(conn: psycopg.Connection) -> list[dict[str, object]]:
    """Every stored scenario, newest first, with its headline figures."""
    return conn.cursor(row_factory=dict_row).execute(
        "SELECT id, name, created_at, inputs, method, status, sites, objective, gap, residents, covered_before, "
        "covered_after FROM siting_scenarios ORDER BY id DESC").fetchall()


def compare(conn: psycopg.Connection, first: int, second: int) -> dict[str, object]:
    """Two scenarios side by side: their headline figures and, per street, covered residents after each."""
    a, b = read(conn, first), read(conn, second)
    streets = {s["street_code"]: s for s in a["streets"]}
    rows = []
    for s in b["streets"]:
        mine = streets.get(s["street_code"])
        rows.append({"street_code": s["street_code"], "street_name": s["street_name"], "residents": s["residents"],
                     "covered_before": s["covered_before"],
                     "covered_after_first": mine["covered_after"] if mine else None,
                     "covered_after_second": s["covered_after"]})
    headline = ("id", "name", "inputs", "method", "status", "sites", "objective", "gap", "residents",
                "covered_before", "covered_after")
    return {"first": {k: a[k] for k in headline}, "second": {k: b[k] for k in headline}, "streets": rows}


def sites_geojson(conn: psycopg.Connection, scenario_id: int, *, circles: bool = False) -> bytes:
    """The scenario's sites as GeoJSON points with their details (geo.planning.sites), or their walking
    circles as polygons with `circles`."""
    read(conn, scenario_id)  # NotFound for an unknown id
    if circles:
        return conn.execute(sql_file("siting_circles_geojson"), {
            "id": scenario_id, "decimals": COORDINATE_DECIMALS}).fetchone()[0].encode("utf-8")
    rows = sites.table(conn, scenario_id)
    features = [{"type": "Feature", "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")},
                 "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]}} for row in rows]
    return json.dumps({"type": "FeatureCollection", "numberReturned": len(features), "features": features},
                      ensure_ascii=False, default=float).encode("utf-8")


def newly_covered_geojson(conn: psycopg.Connection, scenario_id: int) -> dict | None:
    """The scenario's newly covered area (its sites' walking circles less what the existing stations reach)
    as a GeoJSON geometry in EPSG:4326; None for scenarios stored before it was kept, or with none."""
    row = conn.execute("SELECT ST_AsGeoJSON(newly_covered_area, %s) FROM siting_scenarios WHERE id = %s",
                       (COORDINATE_DECIMALS, scenario_id)).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def verdict(scenario: dict[str, object]) -> str:
    """How good a stored scenario's answer is, in Chinese: proven optimal, its gap, or infeasible."""
    details = scenario["details"]
    if scenario["method"] == "manual":
        return manual.verdict(details)
    method = {"milp": "精确求解（HiGHS）", "greedy": "贪心算法", "fast": "快速求解（贪心+拉格朗日松弛）",
              "min_sites": "最少站点数（HiGHS）"}.get(
        str(scenario["method"]), str(scenario["method"]))
    if details.get("forced_in"):
        method += f"（含必选站址{details['forced_in']}处，在此前提下求解）"
    seconds = f"求解用时{float(scenario['seconds']):.2f}秒"
    if details.get("feasible") is False:
        return (f"{method}：无法达到目标，即使启用全部候选站址，覆盖率最高也只有"
                f"{100 * float(details['max_share']):.1f}%；{seconds}")
    if details.get("optimal"):
        return f"{method}：已证明最优；{seconds}"
    if scenario["gap"] is not None:
        return (f"{method}：未证明最优，与上界相差{100 * float(scenario['gap']):.2f}%"
                f"（新增覆盖需求{float(scenario['objective']):,.0f}，上界{float(scenario['bound']):,.0f}）；{seconds}")
    return f"{method}：未证明最优（下界{details.get('lower_bound')}处）；{seconds}"


def resolve(conn: psycopg.Connection, ref: str) -> int:
    """The id of the scenario named by `ref`: its id, or its name (the newest of that name)."""
    text = ref.strip()
    row = None
    if text.isdigit():
        row = conn.execute("SELECT id FROM siting_scenarios WHERE id = %s", (int(text),)).fetchone()
    row = row or conn.execute("SELECT id FROM siting_scenarios WHERE name = %s ORDER BY id DESC LIMIT 1",
                              (text,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号或名称为“{ref}”的选址方案（wangge scenarios 列出全部方案）")
    return int(row[0])
