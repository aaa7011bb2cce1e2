"""The HTTP API on a real database holding the tiny hierarchy."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from geo.layers.loader import LoadOptions, load_directory
from geo.settings import DatabaseSettings
from tests import factories
from tests.api.clients import app_client


@pytest.fixture(scope="module")
def client(make_database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = make_database("api")
    with psycopg.connect(url) as conn:
        load_directory(conn, factories.write_hierarchy(tmp_path_factory.mktemp("api")), LoadOptions())
    with app_client(url, "viewer", ApiSettings(default_page_size=5, max_page_size=100)) as test_client:
        yield test_client


def test_health_reports_database_and_extension_versions(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["postgresql"].startswith("15") and body["postgis"].startswith("3")
    assert body["pgrouting"] and body["schema_version"] >= 1


def test_health_is_503_when_the_database_is_gone() -> None:
    app = create_app(DatabaseSettings(url="postgresql://nobody@127.0.0.1:1/none", connect_timeout_s=1))
    with TestClient(app) as test_client:
        response = test_client.get("/health")
    assert response.status_code == 503 and "数据库" in response.json()["detail"]
    assert "nobody" not in response.text  # no connection details leak


def test_layer_list_counts_features(client: TestClient) -> None:
    layers = {item["name"]: item for item in client.get("/layers").json()}
    assert layers["grids"]["count"] == 8 and layers["grids"]["label"] == "网格"
    assert layers["categories"]["href"] is None


def test_layer_geojson_pages_and_matches_the_source(client: TestClient) -> None:
    response = client.get("/layers/grids", params={"limit": 100})
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"] == 8
    expected = {row.code: row.geometry for row in factories.hierarchy()["grids"].itertuples()}
    for feature in body["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        # GeoJSON carries 6 decimals (about 0.1 m)
        assert shapely.hausdorff_distance(geom, expected[feature["properties"]["code"]]) < 1e-6
        assert feature["properties"]["workers"] == ["李四", "王五"]
    first_page = client.get("/layers/grids").json()
    second = client.get("/layers/grids", params={"offset": 5}).json()
    assert first_page["numberReturned"] == 5 and second["numberReturned"] == 3


def test_bbox_filters_and_bad_bbox_is_a_clear_400(client: TestClient) -> None:
    west = factories.to_wgs84(factories.m_box(10, 10, 400, 1990)).bounds
    body = client.get("/layers/grids", params={"bbox": ",".join(map(str, west)), "limit": 100}).json()
    assert sorted(f["properties"]["code"] for f in body["features"]) == ["140403001001001", "140403001002001"]
    response = client.get("/layers/grids", params={"bbox": "36.1,113.1,36.2,113.2"})
    assert response.status_code == 400 and "bbox" in response.json()["detail"]
    assert client.get("/layers/grids", params={"limit": 101}).status_code == 400


def test_unknown_layer_is_404_with_the_valid_names(client: TestClient) -> None:
    response = client.get("/layers/roads")
    assert response.status_code == 404 and "grids" in response.json()["detail"]


def test_front_page_is_chinese_and_links_everything(client: TestClient) -> None:
    html = client.get("/").text
    assert '<html lang="zh-CN">' in html and "网格" in html
    for link in ("/docs", "/health", "/layers/grids", "/layers/stations", "/circles?minutes=15",
                 "/incidents?queue=overdue", "/open311/v2/services.json"):
        assert f'href="{link}"' in html
    assert client.get("/docs").status_code == 200
    assert "/layers/{name}" in client.get("/openapi.json").json()["paths"]


def test_incident_reporters_are_not_a_public_layer(client: TestClient) -> None:
    assert client.get("/layers/incidents").status_code == 404
