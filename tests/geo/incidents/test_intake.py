"""Incident intake and grid assignment in the database, checked against shapely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely
from pyproj import Geod

from geo.coords import chinacoords
from geo.errors import ImportRejected
from geo.incidents import csv_import as incident_import
from geo.incidents import intake as incidents

WHEN = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))




@pytest.fixture(scope="module")
def grids(demo_database_url: str) -> pd.DataFrame:
    with psycopg.connect(demo_database_url) as conn:
        rows = conn.execute("SELECT id, code, ST_AsBinary(geom) FROM grids WHERE system = '综合网格'").fetchall()
    return pd.DataFrame({"id": [r[0] for r in rows], "code": [r[1] for r in rows],
                         "geom": shapely.from_wkb([bytes(r[2]) for r in rows])})


def _reference(grids: pd.DataFrame, points: np.ndarray) -> np.ndarray:
    """Shapely: the covering grid with the smallest code, or -1."""
    tree = shapely.STRtree(grids.geom.values)
    point_index, grid_index = tree.query(points, predicate="covered_by")
    order = np.lexsort((grids.code.values[grid_index], point_index))
    answer = np.full(len(points), -1, dtype=np.int64)
    first = np.unique(point_index[order], return_index=True)[1]
    answer[point_index[order][first]] = grids.id.values[grid_index[order][first]]
    return answer


def test_assignment_agrees_with_shapely_on_100k_points(demo, grids) -> None:
    rng = np.random.default_rng(7)
    west, south, east, north = shapely.total_bounds(grids.geom.values)
    pad = 0.01
    random = shapely.points(rng.uniform(west - pad, east + pad, 80_000), rng.uniform(south - pad, north + pad, 80_000))
    # Vertices and edge midpoints of grid boundaries: points exactly on shared edges.
    rings = shapely.get_coordinates(shapely.boundary(grids.geom.values))
    on_vertices = shapely.points(rings[rng.choice(len(rings), 10_000, replace=False)])
    a, b = rings[:-1], rings[1:]
    pick = rng.choice(len(a), 10_000, replace=False)
    on_edges = shapely.points((a[pick] + b[pick]) / 2)
    points = np.concatenate([random, on_vertices, on_edges])
    expected = _reference(grids, points)
    lon, lat = shapely.get_x(points), shapely.get_y(points)
    got = demo.execute("""
        SELECT array_agg(coalesce(a.grid_id, -1) ORDER BY p.i), array_agg(a.method ORDER BY p.i)
        FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i),
        LATERAL wangge_grid_for_point(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) AS a""",
                       (lon.tolist(), lat.tolist())).fetchone()
    ids, methods = np.array(got[0]), np.array(got[1])
    inside = methods == "inside"
    assert np.array_equal(ids[inside], expected[inside])
    assert np.array_equal(inside, expected >= 0)  # 100 % agreement on which points are in a grid
    assert inside.sum() > 50_000 and (~inside).sum() > 5_000


def test_fallback_goes_to_the_nearest_grid_within_200_m(demo, grids) -> None:
    # West of the westernmost grid vertex, the nearest grid is exactly d metres away.
    coords = shapely.get_coordinates(grids.geom.values)
    lon0, lat0 = coords[np.argmin(coords[:, 0])]
    geod = Geod(ellps="WGS84")
    found = {}
    for d in (50, 150, 250):
        lon, lat, _ = geod.fwd(lon0, lat0, 270, d)
        found[d] = demo.execute("SELECT grid_id, method, distance_m FROM wangge_grid_for_point("
                                "ST_SetSRID(ST_MakePoint(%s, %s), 4326))", (lon, lat)).fetchone()
    westmost = set(grids.id[grids.geom.apply(lambda g: shapely.Point(lon0, lat0).distance(g) == 0)])
    for d in (50, 150):
        grid_id, method, distance = found[d]
        assert method == "nearest" and grid_id in westmost and distance == pytest.approx(d, abs=0.01)
    assert found[250][:2] == (None, "out_of_area")


def _incident(**kw) -> incidents.IncidentIn:
    base = {"channel": "12345热线", "category_code": "CAT01", "reported_at": WHEN, "lon": 113.112355, "lat": 36.180603}
    return incidents.IncidentIn(**{**base, **kw})


def test_submit_assigns_grid_deadline_and_department(demo) -> None:
    incident_id, created = incidents.submit(demo, _incident(request_id="R1"))
    row = incidents.read(demo, incident_id, personal=False)
    assert created and row["assign_method"] == "inside" and row["grid_code"]
    limit, department = demo.execute("SELECT time_limit_hours, department FROM categories WHERE code = 'CAT01'").fetchone()
    assert row["deadline"] == WHEN + dt.timedelta(hours=limit) and row["department"] == department
    assert "reporter_name" not in row and "reporter_phone" not in row


def test_retried_request_id_returns_the_same_incident(demo) -> None:
    first, created = incidents.submit(demo, _incident(request_id="R-retry", reporter_name="张三"))
    again, created_again = incidents.submit(demo, _incident(request_id="R-retry", reporter_name="张三"))
    assert (first, created, created_again) == (again, True, False)
    assert demo.execute("SELECT count(*) FROM incidents WHERE request_id = 'R-retry'").fetchone()[0] == 1


@pytest.mark.parametrize("system", ["GCJ02", "BD09"])
def test_declared_chinese_datums_are_converted(demo, system: str) -> None:
    lon, lat = 113.112355, 36.180603
    convert = chinacoords.wgs84_to_gcj02 if system == "GCJ02" else chinacoords.wgs84_to_bd09
    x, y = convert(lon, lat)
    incident_id, _ = incidents.submit(demo, _incident(lon=x, lat=y, coord_system=system))
    row = incidents.read(demo, incident_id, personal=True)
    assert abs(row["lon"] - lon) < 1e-7 and abs(row["lat"] - lat) < 1e-7 and row["coord_system"] == system


@pytest.mark.parametrize(("lon", "lat", "field", "text"), [
    (36.180603, 113.112355, "lat", "颠倒"),
    (213.1, 36.1, "lon", "超出"),
    (113.1, None, "lat", "同时提供"),
])
def test_bad_locations_are_refused_with_the_field(demo, lon, lat, field: str, text: str) -> None:
    with pytest.raises(incidents.InvalidIncident) as err:
        incidents.submit(demo, _incident(lon=lon, lat=lat))
    (problem,) = err.value.problems
    assert problem.field == field and text in problem.reason


def test_far_away_points_are_kept_out_of_area(demo) -> None:
    incident_id, _ = incidents.submit(demo, _incident(lon=113.6, lat=36.5))
    row = incidents.read(demo, incident_id, personal=True)
    assert row["assign_method"] == "out_of_area" and row["grid_code"] is None


def test_hotline_export_all_or_nothing_then_good_rows(demo, demo_dir: Path, tmp_path: Path) -> None:
    oracle = pd.read_csv(demo_dir / "incidents_bad_rows.csv")
    export = pd.read_csv(demo_dir / "incidents.csv", dtype=str, keep_default_na=False)
    line_of = {rid: i + 2 for i, rid in enumerate(export.request_id)}
    with pytest.raises(ImportRejected) as err:
        incident_import.import_csv(demo, demo_dir / "incidents.csv")
    assert demo.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    rejected = {p.row for p in err.value.problems}
    refused_kinds = oracle[oracle.defect != "outside_district"]
    assert rejected == {line_of[r] for r in refused_kinds.request_id}
    report = incident_import.import_csv(demo, demo_dir / "incidents.csv", good_rows_only=True)
    assert report.stored == len(export) - len(refused_kinds)
    assert report.assignment["out_of_area"] >= (oracle.defect == "outside_district").sum()
    outside = demo.execute("SELECT count(*) FROM incidents WHERE request_id = ANY(%s) AND assign_method = 'out_of_area'",
                           (oracle.request_id[oracle.defect == "outside_district"].tolist(),)).fetchone()[0]
    assert outside == (oracle.defect == "outside_district").sum()
    head = tmp_path / "incidents_head.csv"  # re-import a slice: every stored row is seen again
    export.head(1000).to_csv(head, index=False)
    again = incident_import.import_csv(demo, head, good_rows_only=True)
    good_in_head = 1000 - len(set(export.request_id.head(1000)) & set(refused_kinds.request_id))
    assert again.stored == 0 and again.already_present == good_in_head


def test_received_time_is_imported_checked_and_dates_the_first_event(demo, tmp_path: Path) -> None:
    head = "request_id,reported_at,received_at,channel,category_code,lon,lat\n"
    good = "R-rec-1,2026-03-01T09:30:00+08:00,2026-03-01T09:41:07+08:00,12345热线,CAT01,113.112355,36.180603\n"
    bad = {"2026-03-01T09:00:00+08:00": "早于报告时间", "2099-01-01T00:00:00+08:00": "晚于现在",
           "2026-03-01T10:00:00": "须带时区", "3月1日": "无法解析"}
    path = tmp_path / "received.csv"
    path.write_text(head + good + "".join(f"R-rec-bad{k},2026-03-01T09:30:00+08:00,{value},12345热线,CAT01,113.11,36.18\n"
                                           for k, value in enumerate(bad)), encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        incident_import.import_csv(demo, path)
    assert [(p.row, p.field) for p in err.value.problems] == [(k, "received_at") for k in range(3, 3 + len(bad))]
    assert all(text in p.reason for p, text in zip(err.value.problems, bad.values(), strict=True))
    report = incident_import.import_csv(demo, path, good_rows_only=True)
    assert report.stored == 1
    received = dt.datetime.fromisoformat("2026-03-01T09:41:07+08:00")
    assert demo.execute("SELECT received_at, attrs FROM incidents WHERE request_id = 'R-rec-1'").fetchone() == (received, {})
    first = demo.execute("SELECT e.at, e.action FROM incident_events AS e JOIN incidents AS i ON i.id = e.incident_id "
                         "WHERE i.request_id = 'R-rec-1' ORDER BY e.at, e.id LIMIT 1").fetchone()
    assert first == (received, "受理")
    live, _ = incidents.submit(demo, _incident(request_id="R-rec-live"))  # live intake: received now, 受理 then
    row = demo.execute("SELECT i.received_at, e.at, now() FROM incidents AS i JOIN incident_events AS e "
                       "ON e.incident_id = i.id WHERE i.id = %s", (live,)).fetchone()
    assert row[0] == row[1] == row[2]


def _assignments(conn) -> dict[int, tuple]:
    return {r[0]: (r[1], r[2], None if r[3] is None else round(r[3], 4)) for r in conn.execute(
        "SELECT id, grid_id, assign_method, assign_distance_m FROM incidents")}


def test_bulk_reassign_follows_the_trigger_rule(demo, demo_dir: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.csv"
    pd.read_csv(demo_dir / "incidents.csv", dtype=str, keep_default_na=False).head(1500).to_csv(head, index=False)
    incident_import.import_csv(demo, head, good_rows_only=True)
    by_trigger = _assignments(demo)
    incidents.reassign(demo)
    assert _assignments(demo) == by_trigger
    # Move the grids of one community 300 m east: assignments change; both paths agree.
    demo.execute("UPDATE grids SET geom = ST_Translate(geom, 0.0033, 0) "
                 "WHERE community_code = (SELECT min(community_code) FROM grids)")
    incidents.reassign(demo)
    in_bulk = _assignments(demo)
    demo.execute("UPDATE incidents SET geom = geom")  # the trigger, row by row
    assert _assignments(demo) == in_bulk != by_trigger
