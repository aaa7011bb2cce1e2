"""Coverage by area, gap layers and siting scenarios on the demo district (rolled back per test)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest
import shapely

from geo import planning
from geo.errors import BadRequest
from geo.network import graph as graph_mod
from geo.planning import scenarios
from geo.walking import access, coverage, gaps
from geo.walking import store as circle_store
from geo.walking.circles import WalkParams

NIGHT = dt.time(22, 0)


@pytest.fixture(scope="module")
def demo_graph(demo_database_url: str) -> graph_mod.WalkGraph:
    with psycopg.connect(demo_database_url) as conn:
        return graph_mod.load(conn)


def test_coverage_refuses_an_unknown_kind(demo) -> None:
    with pytest.raises(BadRequest, match="未知驿站类型"):
        coverage.by_area(demo, "street", kind="驿站")


def test_every_covered_building_lies_in_its_nearest_stations_circle(demo, demo_graph) -> None:
    """Coverage (network distances) against geometry: the 15-minute circle must hold each covered building's point.

    The circle buffers the street reached within 1,000 m by 25 m, so the point where a covered
    building meets the street is inside it; checked by PostGIS for every covered building.
    """
    access.recompute(demo, graph=demo_graph)
    circle_store.recompute(demo, WalkParams(minutes=(15,)), graph=demo_graph, workers=2)
    outside = demo.execute("""
        SELECT count(*) FILTER (WHERE NOT ST_DWithin(c.geom::geography, ST_PointOnSurface(b.geom)::geography,
                                                     b_gap.gap + 0.5)),
               count(*)
        FROM building_access a
        JOIN buildings b ON b.id = a.building_id
        JOIN walk_circles c ON c.station_id = a.station_id AND c.minutes = 15
        CROSS JOIN LATERAL (SELECT ST_Distance(ST_PointOnSurface(b.geom)::geography,
                                               (SELECT geom FROM network_edges
                                                ORDER BY geom <-> ST_PointOnSurface(b.geom) LIMIT 1)::geography)
                            AS gap) AS b_gap
        WHERE a.station_kind = '全部' AND a.distance_m <= 1000 AND b.residents > 0""").fetchone()
    assert outside[0] == 0 and outside[1] > 4000


def test_coverage_totals_agree_across_levels_and_with_siting(demo, demo_graph) -> None:
    day = {level: coverage.totals(coverage.by_area(demo, level)) for level in coverage.LEVELS}
    assert day["street"] == day["community"] == day["grid"]
    residents = demo.execute("SELECT sum(residents) FROM buildings").fetchone()[0]
    assert day["street"]["residents"] == residents
    night = coverage.totals(coverage.by_area(demo, "street", at=NIGHT))
    assert night["covered"] < day["street"]["covered"]
    worst = coverage.by_area(demo, "grid", at=NIGHT)
    assert [r["share"] for r in worst] == sorted(r["share"] for r in worst)
    # siting's own coverage (geo.network.reach.walking_pairs) against the access run's (geo.network.reach.to_points)
    for at, expected in ((None, day["street"]), (NIGHT, night)):
        instance = scenarios.build(demo, scenarios.ScenarioInputs("对照", kind="全部", at=at), demo_graph)
        assert int(instance.residents[instance.problem.existing].sum()) == expected["covered"]


def test_gap_hexagons_hold_their_buildings_and_add_up(demo, demo_graph) -> None:
    report = gaps.recompute(demo, at=NIGHT)  # stores the hour's access run first: there is none
    uncovered = coverage.totals(coverage.by_area(demo, "street", at=NIGHT))["uncovered"]
    assert report.uncovered_residents == uncovered > 0
    assert demo.execute("SELECT sum(uncovered_residents), sum(buildings) FROM gap_hexagons WHERE run_id = %s",
                        (report.run_id,)).fetchone() == (uncovered, report.buildings)
    misplaced = demo.execute("""
        SELECT count(*) FROM gap_buildings gb JOIN buildings b ON b.id = gb.building_id
        WHERE gb.run_id = %(run)s AND NOT EXISTS (
            SELECT 1 FROM gap_hexagons h WHERE h.run_id = %(run)s AND ST_Covers(h.geom, ST_PointOnSurface(b.geom)))
    """, {"run": report.run_id}).fetchone()[0]
    assert misplaced == 0
    across = demo.execute("""
        SELECT min(d), max(d) FROM (
            SELECT ST_MaxDistance(ST_Transform(geom, 32649), ST_Transform(geom, 32649)) AS d
            FROM gap_hexagons WHERE run_id = %s) AS x""", (report.run_id,)).fetchone()
    assert 130 < across[0] <= across[1] < 175  # "about 150 m across"
    again = gaps.recompute(demo, at=NIGHT)  # replaces, never duplicates
    assert demo.execute("SELECT count(*) FROM gap_runs").fetchone()[0] == 1 and again.hexagons == report.hexagons
    hexagons = gaps.geojson(demo, "hexagons", at=NIGHT)
    assert len(hexagons["features"]) == report.hexagons


def test_a_scenario_stores_sites_circles_and_streets_that_add_up(demo, demo_graph) -> None:
    exact_id = scenarios.run(demo, scenarios.ScenarioInputs("精确", kind="全部", k=4), demo_graph)
    greedy_id = scenarios.run(demo, scenarios.ScenarioInputs("贪心", kind="全部", k=4, method="greedy"), demo_graph)
    fast_id = scenarios.run(demo, scenarios.ScenarioInputs("快速", kind="全部", k=4, method="fast"), demo_graph)
    exact, greedy, fast = (scenarios.read(demo, i) for i in (exact_id, greedy_id, fast_id))
    assert exact["details"]["optimal"] and exact["objective"] >= max(greedy["objective"], fast["objective"]) > 0
    for s in (exact, greedy, fast):
        assert s["bound"] >= exact["objective"]
        assert s["covered_after"] - s["covered_before"] == s["objective"]  # weights are residents
        assert sum(site["newly_covered"] for site in s["sites_chosen"]) == s["objective"]
        gains = [site["newly_covered"] for site in s["sites_chosen"]]
        assert gains == sorted(gains, reverse=True) and len(gains) == 4
        assert sum(r["covered_after"] for r in s["streets"]) == s["covered_after"]
        assert sum(r["residents"] for r in s["streets"]) == s["residents"]
    before = coverage.totals(coverage.by_area(demo, "street"))["covered"]
    assert exact["covered_before"] == before
    circles = demo.execute("SELECT count(*), bool_and(ST_IsValid(circle)), bool_and(ST_Covers(circle, geom)) "
                           "FROM siting_sites WHERE scenario_id = %s", (exact_id,)).fetchone()
    assert circles == (4, True, True)
    compared = scenarios.compare(demo, exact_id, greedy_id)
    assert len(compared["streets"]) == 10 and compared["first"]["objective"] == exact["objective"]
    assert b'"Polygon"' in scenarios.sites_geojson(demo, exact_id, circles=True) or \
        b'"MultiPolygon"' in scenarios.sites_geojson(demo, exact_id, circles=True)


def test_target_share_gives_the_fewest_sites(demo, demo_graph) -> None:
    """The fewest sites for 95 %: one site fewer cannot reach it (checked by the exact MCLP)."""
    inputs = scenarios.ScenarioInputs("95%", kind="全部", k=None, target_share=0.95)
    scenario = scenarios.read(demo, scenarios.run(demo, inputs, demo_graph))
    n = scenario["sites"]
    assert scenario["covered_after"] >= 0.95 * scenario["residents"] and n >= 2
    problem = scenarios.build(demo, inputs, demo_graph).problem
    best_with_fewer = planning.solve_mclp(problem, n - 1)
    assert best_with_fewer.optimal and problem.already_covered + best_with_fewer.objective < 0.95 * problem.total
    impossible = scenarios.read(demo, scenarios.run(
        demo, scenarios.ScenarioInputs("不可能", kind="全部", k=None, target_share=1.0), demo_graph))
    assert impossible["details"]["feasible"] is False and impossible["sites"] == 0
    assert "无法达到目标" in scenarios.verdict(impossible)


def test_weights_and_generated_candidates(demo, demo_graph) -> None:
    """Incident weighting against PostGIS's geodesic counts; riders' hotspots add demand, not residents."""
    demo.execute("""INSERT INTO incidents (channel, category_code, reported_at, geom)
                    SELECT '现场', (SELECT min(code) FROM categories), now(), ST_PointOnSurface(geom)
                    FROM buildings WHERE mod(id, 40) = 0""")
    plain = scenarios.build(demo, scenarios.ScenarioInputs("人口", kind="暖新驿站"), demo_graph)
    weighted = scenarios.build(demo, scenarios.ScenarioInputs("事件", kind="暖新驿站", incident_weight=0.5),
                               demo_graph)
    counts = np.array([r[0] for r in demo.execute("""
        SELECT (SELECT count(*) FROM incidents i
                WHERE ST_DWithin(i.geom::geography, ST_PointOnSurface(b.geom)::geography, 250))
        FROM buildings b WHERE b.residents > 0 ORDER BY b.id""")], dtype=float)
    expected = plain.problem.weights * (1 + 0.5 * counts / counts.mean())
    assert counts.max() > 0 and np.isclose(weighted.problem.weights, expected, rtol=1e-3).mean() > 0.995
    workers = demo.execute("SELECT sum(workers) FROM worker_hotspots").fetchone()[0]
    riders = scenarios.build(demo, scenarios.ScenarioInputs("骑手", kind="暖新驿站", worker_weight=10.0), demo_graph)
    assert riders.problem.total == pytest.approx(plain.problem.total + 10 * workers) and workers > 0
    assert riders.residents.sum() == plain.residents.sum()
    network = scenarios.build(demo, scenarios.ScenarioInputs("路网", candidates="network", spacing_m=300.0),
                              demo_graph)
    xy = np.column_stack(demo_graph.to_metric().transform(*network.site_lonlat.T))
    cells = {tuple(c) for c in np.floor(xy / 300.0).astype(int)}
    assert len(cells) == len(xy) and (network.site_ids == -1).all()
    assert shapely.distance(shapely.points(xy), demo_graph.lines[network.sites.edge]).max() < 1e-6


def test_bad_inputs_are_refused_in_chinese() -> None:
    with pytest.raises(BadRequest, match="二选一|只能给出一个"):
        scenarios.ScenarioInputs("x", k=3, target_share=0.9)
    with pytest.raises(BadRequest, match="目标覆盖率"):
        scenarios.ScenarioInputs("x", k=None, target_share=85)
    with pytest.raises(BadRequest, match="未知驿站类型"):
        scenarios.ScenarioInputs("x", kind="驿站")


def test_forced_sites_are_in_every_answer_and_the_rest_is_the_best_completion(demo, demo_graph) -> None:
    free = scenarios.read(demo, scenarios.run(demo, scenarios.ScenarioInputs("自由", kind="全部", k=2), demo_graph))
    best = free["sites_chosen"][0]["code"]
    # force in the site the free answer ranks last, force out the one it ranks first
    forced_code = free["sites_chosen"][-1]["code"]
    inputs = scenarios.ScenarioInputs("必选与排除", kind="全部", k=2, force_in=(forced_code,), force_out=(best,))
    scenario = scenarios.read(demo, scenarios.run(demo, inputs, demo_graph))
    codes = [s["code"] for s in scenario["sites_chosen"]]
    assert codes[0] == forced_code and best not in codes and len(codes) == 2
    assert scenario["details"]["optimal"] and scenario["covered_before"] == free["covered_before"]
    assert sum(s["newly_covered"] for s in scenario["sites_chosen"]) == scenario["objective"]
    assert scenario["objective"] <= free["objective"]
    # brute force over every second site on the unforced instance: the stored answer is the best one
    instance = scenarios.build(demo, scenarios.ScenarioInputs("对照", kind="全部", k=2), demo_graph)
    codes_all = instance.site_codes.tolist()
    first = codes_all.index(forced_code)
    values = [instance.problem.gain(np.array([first, j])) for j in range(len(codes_all))
              if codes_all[j] not in (forced_code, best)]
    assert scenario["objective"] == pytest.approx(max(values))
    assert "必选站址1处" in scenarios.verdict(scenario)
    with pytest.raises(BadRequest, match="候选站址中没有"):
        scenarios.run(demo, scenarios.ScenarioInputs("错", kind="全部", k=1, force_in=("不存在",)), demo_graph)
    with pytest.raises(BadRequest, match="不能既必选又排除"):
        scenarios.ScenarioInputs("错", k=1, force_in=("C0001",), force_out=("C0001",))


def test_the_newly_covered_area_leaves_out_what_existing_stations_reach(demo, demo_graph) -> None:
    circle_store.recompute(demo, WalkParams(minutes=(15,)), graph=demo_graph, workers=2)
    scenario_id = scenarios.run(demo, scenarios.ScenarioInputs("新增范围", kind="全部", k=3), demo_graph)
    area, overlap, circles = demo.execute("""
        WITH s AS (SELECT newly_covered_area AS g FROM siting_scenarios WHERE id = %(id)s),
             old AS (SELECT ST_Union(c.geom) AS g FROM walk_circles c JOIN stations st ON st.id = c.station_id
                     WHERE c.minutes = 15 AND st.status = 'existing'),
             new AS (SELECT ST_Union(circle) AS g FROM siting_sites WHERE scenario_id = %(id)s)
        SELECT ST_Area(s.g::geography), ST_Area(ST_Intersection(s.g, old.g)::geography), ST_Area(new.g::geography)
        FROM s, old, new""", {"id": scenario_id}).fetchone()
    assert 0 < area < circles and overlap < 0.001 * area
