"""A siting scenario's sites in detail: GeoJSON properties, CSV, Excel and GeoPackage downloads, the map's popups."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import geopandas as gpd
import psycopg
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from geo.planning.sites import COLUMNS
from tests.api.clients import app_client

HEADERS = [header for _, header in COLUMNS]
KEYS = [key for key, _ in COLUMNS]


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("siting_sites_api")


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database, role="planner") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def scenario(client: TestClient) -> dict:
    created = client.post("/siting/scenarios", json={"name": "站点明细", "k": 3, "kind": "全部"})
    assert created.status_code == 201, created.text
    assert len(created.json()["sites_chosen"]) == 3
    return created.json()


def download(client: TestClient, scenario: dict, fmt: str, media_type: str) -> bytes:
    """The sites file in `fmt`, checking its media type and attachment name."""
    response = client.get(f"/siting/scenarios/{scenario['id']}/sites", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == f"scenario-{scenario['id']}-sites.{fmt}"
    return response.content


def csv_rows(client: TestClient, scenario: dict) -> list[dict[str, str]]:
    data = download(client, scenario, "csv", "text/csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert reader.fieldnames == HEADERS
    return list(reader)


def test_csv_has_a_bom_chinese_headers_and_the_sites_in_rank_order(client: TestClient, scenario: dict) -> None:
    rows = csv_rows(client, scenario)
    chosen = scenario["sites_chosen"]
    assert [(int(r["序号"]), r["站址编码"]) for r in rows] == [(s["rank"], s["code"]) for s in chosen]
    assert [int(r["新增覆盖居民"]) for r in rows] == [s["newly_covered"] for s in chosen]
    for row, site in zip(rows, chosen, strict=True):
        assert abs(float(row["经度"]) - site["lon"]) <= 1e-6 and abs(float(row["纬度"]) - site["lat"]) <= 1e-6
        assert row["地址"] and row["街道"] and row["社区"] and row["网格"]


def test_xlsx_holds_the_same_rows(client: TestClient, scenario: dict, tmp_path: Path) -> None:
    path = tmp_path / "sites.xlsx"
    path.write_bytes(download(client, scenario, "xlsx", "application/vnd.openxmlformats"))
    frame = pyogrio.read_dataframe(path)
    assert list(frame.columns) == HEADERS
    rows = csv_rows(client, scenario)
    assert [int(v) for v in frame["序号"]] == [int(r["序号"]) for r in rows]
    for header in ("站址编码", "名称", "场所类型", "地址", "街道编码", "街道", "社区编码", "社区", "网格编码", "网格"):
        assert list(frame[header]) == [r[header] for r in rows], header
    assert [int(v) for v in frame["新增覆盖居民"]] == [int(r["新增覆盖居民"]) for r in rows]


def test_geopackage_is_a_point_layer_at_the_sites(client: TestClient, scenario: dict, tmp_path: Path) -> None:
    path = tmp_path / "sites.gpkg"
    path.write_bytes(download(client, scenario, "gpkg", "application/geopackage+sqlite3"))
    assert [name for name, _ in pyogrio.list_layers(path)] == [f"scenario_{scenario['id']}_sites"]
    points = gpd.read_file(path)
    assert points.crs.to_epsg() == 4326 and list(points.columns) == [*KEYS, "geometry"]
    assert len(points) == 3 and set(points.geom_type) == {"Point"}
    for (_, point), site in zip(points.iterrows(), scenario["sites_chosen"], strict=True):
        assert (point["rank"], point["code"]) == (site["rank"], site["code"])
        assert abs(point.geometry.x - site["lon"]) <= 1e-6 and abs(point.geometry.y - site["lat"]) <= 1e-6


def polygons(client: TestClient, layer: str) -> list[tuple[dict, shapely.Geometry]]:
    features = client.get(f"/layers/{layer}", params={"limit": 5000}).json()["features"]
    return [(f["properties"], shape(f["geometry"])) for f in features]


def containing(layer: list[tuple[dict, shapely.Geometry]], point: shapely.Point) -> list[dict]:
    """Properties of the polygons of `layer` that contain `point` (shapely, not PostGIS)."""
    return [props for props, polygon in layer if polygon.contains(point)]


def test_areas_premises_and_address_agree_with_an_independent_check(client: TestClient, scenario: dict) -> None:
    streets, communities = polygons(client, "streets"), polygons(client, "communities")
    districts, grids = polygons(client, "districts"), polygons(client, "grids")
    candidates = {f["properties"]["code"]: f["properties"]
                  for f in client.get("/layers/candidates", params={"limit": 5000}).json()["features"]}
    features = client.get(f"/siting/scenarios/{scenario['id']}/sites").json()["features"]
    for site, feature in zip(scenario["sites_chosen"], features, strict=True):
        point = shapely.Point(site["lon"], site["lat"])
        props = feature["properties"]
        street, = containing(streets, point)
        community, = containing(communities, point)
        district, = containing(districts, point)
        assert (props["street_code"], props["street_name"]) == (street["code"], street["name"])
        assert (props["community_code"], props["community_name"]) == (community["code"], community["name"])
        assert props["grid_code"] in {g["code"] for g in containing(grids, point)}
        candidate = candidates[site["code"]]
        assert (props["premises"], props["floor_area_m2"]) == (candidate["kind"], candidate["floor_area_m2"])
        assert props["address"] == f"{district['name']}{street['name']}{community['name']} {site['name']}"
        assert feature["geometry"]["coordinates"] == pytest.approx([site["lon"], site["lat"]], abs=1e-6)


def test_an_imported_address_is_used_only_when_declared_public(client: TestClient, scenario: dict,
                                                              database: str) -> None:
    first = scenario["sites_chosen"][0]
    built = csv_rows(client, scenario)[0]["地址"]
    imported = "长治市潞州区英雄中路1号"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("UPDATE candidates SET attrs = attrs || jsonb_build_object('地址', %s::text) WHERE code = %s",
                     (imported, first["code"]))
        try:
            assert csv_rows(client, scenario)[0]["地址"] == built  # extra columns are private by default
            conn.execute("INSERT INTO public_attributes (layer, name) VALUES ('candidates', '地址')")
            assert csv_rows(client, scenario)[0]["地址"] == imported
            features = client.get(f"/siting/scenarios/{scenario['id']}/sites").json()["features"]
            assert features[0]["properties"]["address"] == imported
        finally:
            conn.execute("DELETE FROM public_attributes WHERE layer = 'candidates' AND name = '地址'")
            conn.execute("UPDATE candidates SET attrs = attrs - '地址' WHERE code = %s", (first["code"],))


def test_geojson_points_carry_the_table_and_circles_are_unchanged(client: TestClient, scenario: dict) -> None:
    rows = csv_rows(client, scenario)
    features = client.get(f"/siting/scenarios/{scenario['id']}/sites").json()["features"]
    keys = [k for k in KEYS if k not in ("lon", "lat")]
    assert [list(f["properties"]) for f in features] == [keys] * 3
    for feature, row in zip(features, rows, strict=True):
        for key, header in COLUMNS:
            if key in keys and key not in ("rank", "newly_covered", "floor_area_m2"):
                assert (feature["properties"][key] or "") == row[header], key
    circles = client.get(f"/siting/scenarios/{scenario['id']}/sites", params={"circles": "true"}).json()
    assert [set(f["properties"]) for f in circles["features"]] == [
        {"rank", "code", "name", "candidate_id", "newly_covered"}] * 3
    assert {f["geometry"]["type"] for f in circles["features"]} <= {"Polygon", "MultiPolygon"}


def test_bad_format_unknown_scenario_and_circles_in_a_file_are_refused(client: TestClient, scenario: dict) -> None:
    sites = f"/siting/scenarios/{scenario['id']}/sites"
    assert client.get(sites, params={"format": "shp"}).status_code == 422
    assert client.get(sites, params={"format": "csv", "circles": "true"}).status_code == 400
    for fmt in ("geojson", "csv", "xlsx", "gpkg"):
        missing = client.get("/siting/scenarios/999999/sites", params={"format": fmt})
        assert missing.status_code == 404 and "999999" in missing.json()["detail"], fmt


def test_siting_map_shows_each_sites_details_and_the_download_links(client: TestClient, scenario: dict) -> None:
    page = client.get(f"/maps/siting/{scenario['id']}")
    assert page.status_code == 200
    for row in csv_rows(client, scenario):
        for text in (row["地址"], row["网格"], f"站址编码 {row['站址编码']}", f"场所类型 {row['场所类型']}"):
            assert html.escape(text) in page.text, text
    assert "下载站点：" in page.text
    for fmt in ("csv", "xlsx", "gpkg"):
        assert f'href="/siting/scenarios/{scenario["id"]}/sites?format={fmt}"' in page.text
