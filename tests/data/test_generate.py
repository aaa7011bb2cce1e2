"""Tests of the synthetic demo-district generator `data.generate`, checked with shapely and scipy."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from data.generate import generate
from geo.coords.chinacoords import bd09_to_wgs84, gcj02_to_wgs84
from geo.layers.codes import code_problem, grid_codes

UTM_EPSG = 32649
SMALL_SCALE = 0.3
SEED = 20261122
AREA_TOLERANCE_M2 = 0.01
LENGTH_TOLERANCE_M = 0.05
ROW_TOLERANCE_M = 100.0
COLUMNS = {
    "districts": ["code", "name"],
    "streets": ["code", "name", "district_code"],
    "communities": ["code", "name", "street_code"],
    "grids": ["code", "name", "community_code", "system", "kind", "households", "residents", "leader",
              "workers", "party_group"],
    "buildings": ["code", "name", "kind", "floors", "households", "residents", "compound", "grid_code"],
    "stations": ["code", "name", "kind", "services", "opens", "closes", "is_24h", "status", "address",
                 "community_code"],
    "candidates": ["code", "name", "kind", "floor_area_m2"],
    "network_nodes": ["id"],
    "network_edges": ["id", "source", "target", "kind", "length_m"],
    "barriers": ["code", "kind", "name"],
}
POLYGON_LAYERS = ("districts", "streets", "communities", "grids", "buildings")
CODE_COLUMNS = ("code", "district_code", "street_code", "community_code", "grid_code")
STATION_KINDS = {"党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站"}
SERVICES = {"休息", "饮水", "如厕", "充电", "热饭", "阅读", "医疗", "维修", "政务", "托管"}
WARM_SERVICES = {"休息", "饮水", "如厕", "充电", "热饭"}
HANDLING_TYPES = {"即办件", "承诺件", "上报件", "协办件", "告知件"}
ASCII_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+", re.ASCII)
FIRST_DAY, LAST_DAY = dt.date(2025, 11, 1), dt.date(2026, 10, 31)
AS_OF = dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FEEDBACK_WAYS = {"即时反馈", "公示反馈", "走访反馈", "电话反馈", "网络反馈"}
# The transition table of migrations 0004 and 0012, written out again: (state, action) → state.
TRANSITIONS = {("受理", "办理"): "办理", ("受理", "办结"): "办结", ("受理", "退回"): "退回", ("办理", "反馈"): "反馈",
               ("办理", "退回"): "退回", ("反馈", "办结"): "办结", ("反馈", "重新打开"): "办理",
               ("退回", "重新受理"): "受理", ("办结", "重新打开"): "办理", ("受理", "上报"): "办理", ("办理", "上报"): "办理"}
STRAIGHT_TO_CLOSED = {"即办件", "告知件"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: _sha256(p) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The demo district at scale 1, generated once per test session."""
    out = tmp_path_factory.mktemp("demo_full")
    return out, generate(out, seed=SEED, scale=1.0)


@pytest.fixture(scope="session")
def layers(full: tuple[Path, dict[str, int]]) -> dict[str, gpd.GeoDataFrame]:
    """All GeoPackage layers, reprojected to UTM 49N (metres)."""
    out, _ = full
    return {stem: gpd.read_file(out / f"{stem}.gpkg").to_crs(UTM_EPSG) for stem in COLUMNS}


@pytest.fixture(scope="session")
def incidents(full: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    """incidents.csv read as text."""
    return pd.read_csv(full[0] / "incidents.csv", dtype=str, keep_default_na=False)


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, seed=7, scale=SMALL_SCALE)
    generate(second, seed=7, scale=SMALL_SCALE)
    generate(other, seed=8, scale=SMALL_SCALE)
    assert _hashes(first) == _hashes(second)
    changed = {name for name, digest in _hashes(other).items() if _hashes(first)[name] != digest}
    assert {"buildings.gpkg", "grids.gpkg", "network_edges.gpkg", "stations.gpkg", "incidents.csv",
            "incident_history.csv"} <= changed


def test_layer_files_follow_the_schema(full: tuple[Path, dict[str, int]]) -> None:
    out, _ = full
    for stem, columns in COLUMNS.items():
        path = out / f"{stem}.gpkg"
        assert [name for name, _ in pyogrio.list_layers(path)] == [stem]
        info = pyogrio.read_info(path)
        assert info["crs"] == "EPSG:4326"
        assert info["geometry_name"] == "geometry"
        assert list(info["fields"]) == columns
        if stem in POLYGON_LAYERS:
            assert info["geometry_type"] == "MultiPolygon"
        df = gpd.read_file(path)
        for column in CODE_COLUMNS:
            if column in df:
                assert df[column].map(type).eq(str).all(), (stem, column)


def test_minimum_counts_at_full_scale(full: tuple[Path, dict[str, int]], layers: dict[str, gpd.GeoDataFrame],
                                      incidents: pd.DataFrame) -> None:
    _, counts = full
    assert len(layers["districts"]) == 1
    assert len(layers["streets"]) >= 6
    assert len(layers["communities"]) >= 40
    assert len(layers["grids"]) >= 300
    assert len(layers["buildings"]) >= 5_000
    assert layers["buildings"].residents.sum() >= 250_000
    stations = layers["stations"]
    assert len(stations) >= 60 and stations.kind.nunique() >= 3 and stations.is_24h.any()
    assert len(layers["candidates"]) >= 200
    assert len(layers["network_edges"]) >= 20_000
    assert len(incidents) >= 30_000
    assert counts["incidents"] == len(incidents)
    assert counts["buildings"] == len(layers["buildings"])


def test_real_names_and_codes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    divisions = pd.read_csv(Path(__file__).resolve().parents[2] / "data/sources/luzhou_divisions.csv", dtype=str)
    district = layers["districts"].iloc[0]
    assert (district.code, district["name"]) == ("140403", "潞州区")
    real = dict(zip(divisions.code, divisions.name, strict=True))
    for row in layers["streets"].itertuples():
        assert real[row.code] == row.name and code_problem("street", row.code, row.district_code) is None
    for row in layers["communities"].itertuples():
        assert real[row.code] == row.name + "居委会" and int(row.code[-3:]) < 200
        assert code_problem("community", row.code, row.street_code) is None


def _assert_partition(parts: gpd.GeoDataFrame, wholes: gpd.GeoDataFrame, key: str) -> None:
    """Each whole is exactly covered by its parts, which lie within it and never overlap."""
    whole_geom = dict(zip(wholes.code, wholes.geometry, strict=True))
    inside = shapely.difference(parts.geometry.values, [whole_geom[c] for c in parts[key]])
    assert shapely.area(inside).max() < AREA_TOLERANCE_M2
    left, right = parts.sindex.query(parts.geometry.values, predicate="intersects")
    pairs = left < right
    geoms = parts.geometry.values
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max(initial=0.0) < AREA_TOLERANCE_M2
    for code, group in parts.groupby(key):
        covered = shapely.coverage_union_all(group.geometry.values)
        assert shapely.symmetric_difference(covered, whole_geom[code]).area < AREA_TOLERANCE_M2, code


def test_admin_polygons_nest_without_gaps_or_overlaps(layers: dict[str, gpd.GeoDataFrame]) -> None:
    _assert_partition(layers["grids"], layers["communities"], "community_code")
    _assert_partition(layers["communities"], layers["streets"], "street_code")
    district = layers["districts"].geometry.iloc[0]
    assert shapely.area(shapely.difference(layers["streets"].geometry.values, district)).max() < AREA_TOLERANCE_M2


def test_grid_codes_read_west_to_east_north_to_south(layers: dict[str, gpd.GeoDataFrame]) -> None:
    grids = layers["grids"]
    assert grids.code.is_unique
    for community, group in grids.groupby("community_code"):
        rep = shapely.get_coordinates(shapely.point_on_surface(group.geometry.values))
        expected = grid_codes(community, rep[:, 0], rep[:, 1], row_tolerance_m=ROW_TOLERANCE_M)
        assert list(group.code) == expected
        for row in group.itertuples():
            assert code_problem("grid", row.code, community) is None
            assert row.name == f"{row.name[:row.name.index('第')]}第{int(row.code[-3:])}网格"
    assert set(grids.kind) <= {"居民小区", "老旧街区", "商业街区", "专属网格"}
    assert (grids.system == "综合网格").all()
    assert grids.workers.str.split(",").map(len).between(2, 3).all()


def test_buildings_lie_in_their_grid_and_sum_up(layers: dict[str, gpd.GeoDataFrame]) -> None:
    buildings, grids = layers["buildings"], layers["grids"]
    grid_geom = dict(zip(grids.code, grids.geometry, strict=True))
    assert shapely.within(buildings.geometry.values, [grid_geom[c] for c in buildings.grid_code]).all()
    left, right = buildings.sindex.query(buildings.geometry.values, predicate="intersects")
    assert (left == right).all()  # no two buildings touch
    sums = buildings.groupby("grid_code")[["households", "residents"]].sum()
    merged = grids.set_index("code")[["households", "residents"]].join(sums.add_suffix("_b")).fillna(0)
    assert (merged.residents == merged.residents_b).all() and (merged.households == merged.households_b).all()
    assert buildings.code.is_unique and set(buildings.kind) <= {"住宅", "商住", "公共建筑", "商业"}


def _graph(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> coo_matrix:
    n = int(nodes.id.max()) + 1
    return coo_matrix((edges.length_m.to_numpy(), (edges.source.to_numpy(), edges.target.to_numpy())), shape=(n, n))


def test_walking_network_is_one_clean_component(layers: dict[str, gpd.GeoDataFrame]) -> None:
    nodes, edges = layers["network_nodes"], layers["network_edges"]
    assert (np.sort(nodes.id) == np.arange(1, len(nodes) + 1)).all()
    assert (edges.source != edges.target).all()
    pairs = np.sort(edges[["source", "target"]].to_numpy(), axis=1)
    assert len(np.unique(pairs, axis=0)) == len(edges)
    assert set(edges.kind) <= {"arterial", "street", "alley", "path", "gate", "bridge", "crossing"}
    n_components, labels = connected_components(_graph(nodes, edges), directed=False)
    assert len(np.unique(labels[nodes.id])) == 1
    assert np.abs(edges.geometry.length - edges.length_m).max() <= LENGTH_TOLERANCE_M
    xy = dict(zip(nodes.id, shapely.get_coordinates(nodes.geometry.values).tolist(), strict=True))
    ends = shapely.get_coordinates(edges.geometry.values).reshape(-1, 2, 2)
    start = np.array([xy[s] for s in edges.source])
    assert np.abs(ends[:, 0] - start).max() < 1e-6


def test_river_and_railway_are_crossed_only_at_bridges(layers: dict[str, gpd.GeoDataFrame]) -> None:
    edges, barriers = layers["network_edges"], layers["barriers"]
    for kind, edge_kind, allowed in (("river_centerline", "bridge", range(3, 6)), ("railway", "crossing", range(2, 4))):
        line = barriers.geometry[barriers.kind == kind].iloc[0]
        crossing = edges[shapely.intersects(edges.geometry.values, line)]
        assert (crossing.kind == edge_kind).all()
        assert len(crossing) == (edges.kind == edge_kind).sum()
        assert len(crossing) in allowed


def test_crossing_the_river_away_from_bridges_is_a_long_walk(layers: dict[str, gpd.GeoDataFrame]) -> None:
    nodes, edges, barriers = layers["network_nodes"], layers["network_edges"], layers["barriers"]
    river = barriers.geometry[barriers.kind == "river_centerline"].iloc[0]
    bridge_y = np.sort(edges.geometry[edges.kind == "bridge"].centroid.y.to_numpy())
    gap = int(np.argmax(np.diff(bridge_y)))
    y = (bridge_y[gap] + bridge_y[gap + 1]) / 2
    x_min, _, x_max, _ = river.bounds
    x = shapely.get_coordinates(shapely.intersection(river, shapely.LineString([(x_min, y), (x_max, y)])))[0, 0]
    xy = shapely.get_coordinates(nodes.geometry.values)
    west = int(np.argmin(np.hypot(xy[:, 0] - (x - 120), xy[:, 1] - y)))
    east = int(np.argmin(np.hypot(xy[:, 0] - (x + 120), xy[:, 1] - y)))
    assert xy[west, 0] < x < xy[east, 0]
    walk = dijkstra(_graph(nodes, edges), directed=False, indices=int(nodes.id.iloc[west]))[int(nodes.id.iloc[east])]
    straight = float(np.hypot(*(xy[east] - xy[west])))
    assert walk > 1.5 * straight


def test_buildings_stations_and_candidates_sit_beside_the_network(layers: dict[str, gpd.GeoDataFrame]) -> None:
    edges, buildings, barriers = layers["network_edges"], layers["buildings"], layers["barriers"]
    tree = shapely.STRtree(edges.geometry.values)
    assert tree.query(buildings.geometry.values, predicate="intersects").size == 0
    _, building_dist = tree.query_nearest(buildings.geometry.values, return_distance=True, all_matches=False)
    assert building_dist.max() <= 60.0
    for stem in ("stations", "candidates"):
        _, dist = tree.query_nearest(layers[stem].geometry.values, return_distance=True, all_matches=False)
        assert 4.5 <= dist.min() and dist.max() <= 15.5, stem
        assert buildings.sindex.query(layers[stem].geometry.values, predicate="intersects").size == 0, stem
    river = barriers.geometry[barriers.kind == "river"].iloc[0]
    assert not shapely.intersects(buildings.geometry.values, river).any()


def test_stations_attributes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    st = layers["stations"]
    assert set(st.kind) == STATION_KINDS and st.code.is_unique and st.name.is_unique
    assert (st.kind == "党群服务中心").sum() == len(layers["streets"])
    services = st.services.str.split(",")
    assert services.map(lambda s: set(s) <= SERVICES).all()
    warm = st.kind == "暖新驿站"
    assert services[warm].map(lambda s: WARM_SERVICES <= set(s)).all() and st.is_24h[warm].all()
    assert 0.25 <= st.is_24h[st.kind == "城市驿站"].mean() <= 0.45
    assert ((st.opens == "") == st.is_24h).all() and ((st.closes == "") == st.is_24h).all()
    hhmm = st.opens[~st.is_24h].str.fullmatch(r"\d\d:\d\d") & st.closes[~st.is_24h].str.fullmatch(r"\d\d:\d\d")
    assert hhmm.all()
    assert 0.05 <= (st.status == "planned").mean() <= 0.15 and set(st.status) == {"existing", "planned"}
    communities = layers["communities"]
    hit = communities.sindex.query(st.geometry.values, predicate="within")
    assert (communities.code.to_numpy()[hit[1]] == st.community_code.to_numpy()[hit[0]]).all()
    assert len(hit[0]) == len(st)


def _east_of(line: shapely.LineString, points: np.ndarray) -> np.ndarray:
    """True for points (UTM) from which a ray due east never crosses the north-south `line`."""
    xy = shapely.get_coordinates(points)
    rays = shapely.linestrings(np.stack([xy, xy + [20_000.0, 0.0]], axis=1))
    return ~shapely.intersects(rays, line)


def test_the_far_bank_of_the_river_is_poorly_served(layers: dict[str, gpd.GeoDataFrame]) -> None:
    barriers, st = layers["barriers"], layers["stations"]
    river = barriers.geometry[barriers.kind == "river_centerline"].iloc[0]
    east_homes = _east_of(river, layers["buildings"].centroid.values) & (layers["buildings"].residents > 0)
    assert east_homes.sum() > 0
    assert not _east_of(river, st.geometry.values[st.kind != "党群服务中心"]).any()
    assert _east_of(river, layers["candidates"].geometry.values).any()


def test_categories_list(full: tuple[Path, dict[str, int]]) -> None:
    cats = pd.read_csv(full[0] / "categories.csv", dtype={"code": str})
    assert 20 <= len(cats) <= 25 and cats.code.is_unique
    assert set(cats.handling_type) == HANDLING_TYPES
    assert set(cats.time_limit_hours) <= {2, 24, 72, 168, 360}
    by_name = cats.set_index("name")
    assert tuple(by_name.loc["井盖缺失", ["handling_type", "time_limit_hours"]]) == ("即办件", 2)
    assert tuple(by_name.loc["违章建筑", ["handling_type", "time_limit_hours"]]) == ("上报件", 360)


def _parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def test_bad_incident_rows_are_really_bad_and_the_rest_are_good(full: tuple[Path, dict[str, int]],
                                                                layers: dict[str, gpd.GeoDataFrame],
                                                                incidents: pd.DataFrame) -> None:
    out, _ = full
    bad = pd.read_csv(out / "incidents_bad_rows.csv", dtype=str)
    assert set(bad.defect) == {"empty_coordinates", "garbled_number", "swapped_lonlat", "outside_district",
                               "unknown_category", "bad_timestamp"}
    assert 0.01 <= len(bad) / len(incidents) <= 0.03
    codes = set(pd.read_csv(out / "categories.csv", dtype=str).code)
    district = layers["districts"].to_crs(4326).geometry.iloc[0]
    rows = incidents.set_index("request_id")
    for request_id, defect in zip(bad.request_id, bad.defect, strict=True):
        row = rows.loc[request_id]
        if defect == "empty_coordinates":
            assert row.lon == "" or row.lat == ""
        elif defect == "garbled_number":
            assert not (ASCII_DECIMAL.fullmatch(row.lon) and ASCII_DECIMAL.fullmatch(row.lat))
        elif defect == "swapped_lonlat":
            assert float(row.lat) > 90 and float(row.lon) < 60
        elif defect == "outside_district":
            point = shapely.Point(float(row.lon), float(row.lat))
            assert not district.contains(point) and district.distance(point) > 0.03  # degrees, ≈ 3 km
        elif defect == "unknown_category":
            assert row.category_code not in codes
        else:
            assert _parse_time(row.reported_at) is None

    good = incidents[~incidents.request_id.isin(bad.request_id)]
    assert incidents.request_id.is_unique and good.category_code.isin(codes).all()
    assert good.reporter_phone.str.fullmatch(r"199-0000-\d{4}").all()
    times = good.reported_at.map(_parse_time)
    assert times.map(lambda t: t is not None and FIRST_DAY <= t.date() <= LAST_DAY
                     and t.utcoffset() == dt.timedelta(hours=8)).all()
    received = good.received_at.map(_parse_time)
    waited = (received - times).dt.total_seconds() / 60
    assert (waited >= 0).all() and (received <= AS_OF).all()
    median_wait = waited.groupby(good.channel).median()
    assert median_wait["12345热线"] < 15 < median_wait["信箱"] and median_wait["网络"] > median_wait["12345热线"]
    assert (good.channel == "12345热线").mean() > 0.5
    lon, lat = good.lon.astype(float).to_numpy().copy(), good.lat.astype(float).to_numpy().copy()
    gcj, bd = (good.coord_system == "GCJ02").to_numpy(), (good.coord_system == "BD09").to_numpy()
    assert 0.02 <= gcj.mean() <= 0.04 and 0.005 <= bd.mean() <= 0.02
    lon[gcj], lat[gcj] = gcj02_to_wgs84(lon[gcj], lat[gcj])
    lon[bd], lat[bd] = bd09_to_wgs84(lon[bd], lat[bd])
    assert shapely.contains_xy(district, lon, lat).all()


def test_incidents_follow_the_seasons(incidents: pd.DataFrame) -> None:
    month = pd.to_numeric(incidents.reported_at.str[5:7], errors="coerce")
    by_month = pd.crosstab(incidents.category_code, month)
    heating, noise = by_month.loc["CAT07"], by_month.loc["CAT02"]
    assert heating[[12, 1, 2]].sum() > 5 * heating[[6, 7, 8]].sum()
    assert noise[[6, 7, 8]].sum() > 1.5 * noise[[12, 1, 2]].sum()


def test_manifest_matches_the_files(full: tuple[Path, dict[str, int]]) -> None:
    out, counts = full
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED and manifest["scale"] == 1.0 and manifest["counts"] == counts
    assert "synthetic except district outline, street/community names and codes" in manifest["note"]
    assert manifest["sha256"] == {name: _sha256(out / name) for name in manifest["sha256"]}
    assert set(manifest["sha256"]) == {p.name for p in out.iterdir() if p.name != "manifest.json"}


@pytest.fixture(scope="session")
def history(full: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    """incident_history.csv read as text."""
    return pd.read_csv(full[0] / "incident_history.csv", dtype=str, keep_default_na=False)


def test_history_follows_the_transition_table_in_time_order(full, incidents: pd.DataFrame,
                                                           history: pd.DataFrame) -> None:
    cats = pd.read_csv(full[0] / "categories.csv", dtype=str).set_index("code")
    bad = pd.read_csv(full[0] / "incidents_bad_rows.csv", dtype=str)
    stored = incidents[~incidents.request_id.isin(bad.request_id[bad.defect != "outside_district"])]
    assert set(history.request_id) <= set(stored.request_id)
    assert len(set(history.request_id)) > 0.99 * len(stored)
    rows = stored.set_index("request_id")
    at = history["at"].map(_parse_time)
    assert history["at"].is_monotonic_increasing and (at <= AS_OF).all()  # one export, oldest first, until AS_OF
    final = {}
    for request_id, steps in history.groupby("request_id", sort=False):
        row = rows.loc[request_id]
        kind = cats.handling_type[row.category_code]
        state, last = "受理", _parse_time(row.received_at)
        for step in steps.itertuples():
            when = _parse_time(step.at)
            assert when >= last + dt.timedelta(minutes=1), (request_id, step.at)
            if (state, step.action) == ("受理", "办结"):
                assert kind in STRAIGHT_TO_CLOSED, request_id
            state, last = TRANSITIONS[(state, step.action)], when
            assert (step.feedback_way in FEEDBACK_WAYS) == (step.action == "反馈") and step.feedback_way in {"", *FEEDBACK_WAYS}
            assert step.satisfied in ({"true", "false", ""} if step.action == "办结" else {""})
            deadline = _parse_time(step.deadline) if step.deadline else None
            assert (deadline is not None) == (step.action == "上报")
            assert deadline is None or when < deadline <= when + dt.timedelta(days=90)
            assert step.co_departments == "" or (step.action == "办理" and kind == "协办件")
        final[request_id] = state
    assert 0.97 < sum(s == "办结" for s in final.values()) / len(stored) < 0.999  # the last days are open


def test_history_shares_are_plausible(full, incidents: pd.DataFrame, history: pd.DataFrame) -> None:
    cats = pd.read_csv(full[0] / "categories.csv", dtype=str).set_index("code")
    kind = incidents.set_index("request_id").category_code.map(cats.handling_type)
    channel = incidents.set_index("request_id").channel
    n = history.request_id.nunique()
    per = history.groupby("request_id").action.agg(set)
    share = {a: per.map(lambda s, a=a: a in s).mean() for a in ("退回", "重新打开", "上报")}
    assert 0.01 < share["退回"] < 0.06 and 0.01 < share["重新打开"] < 0.06
    escalated = per.map(lambda s: "上报" in s)
    assert escalated[kind[per.index] == "上报件"].mean() > 0.95 and escalated[kind[per.index] != "上报件"].mean() < 0.03
    first = history.groupby("request_id").action.first()
    assert (first[kind[first.index] == "即办件"] == "办结").mean() > 0.6
    closes = history[history.action == "办结"]
    rated = closes.satisfied[closes.satisfied != ""]
    assert 0.85 < (rated == "true").mean() < 0.96 and 0.9 < len(rated) / len(closes)
    feedback = history[history.action == "反馈"]
    by_channel = feedback.groupby(channel[feedback.request_id].to_numpy()).feedback_way.agg(lambda w: w.mode()[0])
    assert (by_channel["网络"], by_channel["走访"], by_channel["12345热线"]) == ("网络反馈", "走访反馈", "电话反馈")
    co_rows = history[history.co_departments != ""]
    co = co_rows.co_departments.str.split("、")
    lead = incidents.set_index("request_id").category_code.map(cats.department)[co_rows.request_id]
    assert (kind[co_rows.request_id] == "协办件").all() and co.map(len).between(1, 2).all()
    assert set(co.explode()) <= set(cats.department)
    assert not any(own in names for own, names in zip(lead, co, strict=True))
    handled = history[(history.action == "办理") & (kind[history.request_id] == "协办件").to_numpy()]
    assert handled.groupby("request_id").co_departments.agg(lambda c: (c != "").any()).mean() > 0.95
    assert n == len(per)


def test_history_names_staff_never_citizens(incidents: pd.DataFrame, history: pd.DataFrame) -> None:
    text = " ".join(history.actor.unique()) + " ".join(history.note.unique())
    assert not re.search(r"199-0000-\d{4}", text)
    names = set(incidents.reporter_name)
    assert not names & set(history.actor) and not any(name in text for name in names if len(name) >= 2)
    assert history.actor.str.fullmatch(r"网格员\d{15}|调度员|.+(局|公司|中心|处|大队|居委会|分局|街道)").all()
