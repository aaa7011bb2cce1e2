"""Walking circles and access over HTTP, on the demo district."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient

from tests.api.clients import app_client, bearer


@pytest.fixture(scope="module")
def client(make_demo_database) -> Iterator[TestClient]:
    url = make_demo_database("walk_api")
    with app_client(url, "planner") as test_client:
        yield test_client


def test_recompute_then_read_circles(client: TestClient) -> None:
    body = client.post("/circles/recompute", json={"minutes": [15]}).json()
    assert body["computed"] == 81 and body["kept"] == 0
    again = client.post("/circles/recompute", json={"minutes": [15]}).json()
    assert again["computed"] == 0 and again["kept"] == 81
    circles = client.get("/circles", params={"kind": "暖新驿站"}).json()
    assert len(circles["features"]) == 10
    feature = circles["features"][0]
    assert feature["properties"]["minutes"] == 15 and feature["properties"]["limit_m"] == pytest.approx(1000)
    assert shapely.geometry.shape(feature["geometry"]).is_valid


def test_bad_parameters_are_a_clear_422_naming_the_field(client: TestClient) -> None:
    for body, field in (({"minutes": [-5]}, "minutes"), ({"speed_kmh": 0}, "speed_kmh"), ({"speed_kmh": 1e307}, "speed_kmh"),
                        ({"buffer_m": 1e12}, "buffer_m"), ({"minutes": [5, 10, 15, 20, 25, 30, 35]}, "minutes")):
        response = client.post("/circles/recompute", json=body)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][1] == field, body
    refused = client.post("/circles/recompute", content=b'{"speed_kmh": NaN}', headers={"Content-Type": "application/json"})
    assert refused.status_code == 422


def test_only_planners_recompute(client: TestClient) -> None:
    assert client.post("/circles/recompute", json={}, headers=bearer("viewer")).status_code == 403
    assert client.post("/access/recompute", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_access_by_hour(client: TestClient) -> None:
    day = client.post("/access/recompute").json()
    night = client.post("/access/recompute", params={"at": "23:00"}).json()
    assert night["stations"] < day["stations"] and day["buildings"] == 6097
    page = client.get("/access/buildings", params={"at": "23:00", "limit": 50}).json()
    assert page["numberMatched"] == 6097 and page["numberReturned"] == 50
    props = page["features"][0]["properties"]
    assert props["distance_m"] > 0 and props["walk_minutes"] == pytest.approx(props["distance_m"] / (4000 / 60), abs=0.06)
    never_stored = client.get("/access/buildings", params={"at": "03:00", "limit": 50}).json()  # computed on request
    assert never_stored["numberReturned"] == 50 and never_stored["features"][0]["properties"]["station_kind"] == "全部"


def test_walk_area_from_any_point(client: TestClient) -> None:
    lon, lat = 113.1163, 36.1955
    found = client.get("/walk/area", params={"lon": lon, "lat": lat, "minutes": "5,10,15"}, headers=bearer("viewer"))
    assert found.status_code == 200 and found.headers["content-type"].startswith("application/geo+json")
    rings = found.json()["features"]
    assert [r["properties"]["minutes"] for r in rings] == [15, 10, 5]  # largest first, drawn under the others
    residents = [r["properties"]["residents"] for r in rings]
    assert residents == sorted(residents, reverse=True) and residents[0] > 0
    gcj = client.get("/walk/area", params={"lon": lon + 0.006, "lat": lat + 0.001, "coord_system": "GCJ02",
                                           "minutes": "15"}).json()
    assert gcj["features"][0]["properties"]["minutes"] == 15 and gcj["start"]["lon"] != lon + 0.006


def test_walk_area_refuses_bad_input_naming_the_field(client: TestClient) -> None:
    for params, word in (({"lon": 113.1, "lat": 36.2, "minutes": "5,x"}, "minutes"),
                         ({"lon": 113.1, "lat": 36.2, "minutes": "90"}, "minutes"),
                         ({"lon": "nan", "lat": 36.2}, "lon"), ({"lon": 113.1, "lat": 95}, "lat"),
                         ({"lon": 113.1, "lat": 36.2, "coord_system": "XYZ"}, "coord_system"),
                         ({"lon": 100.0, "lat": 30.0}, "步行道路")):
        answer = client.get("/walk/area", params=params)
        assert answer.status_code == 400 and word in answer.json()["detail"], params
    assert client.get("/walk/area", params={"lon": 113.1}).status_code == 422
    assert client.get("/walk/area", params={"lon": 113.1, "lat": 36.2}, headers={"Authorization": "Bearer x"}).status_code == 401


def test_whatif_adds_a_station_without_storing_it(client: TestClient) -> None:
    before = client.get("/layers/stations", params={"limit": 1}).json()["numberMatched"]
    body = {"add": [{"lon": 113.1163, "lat": 36.1955, "kind": "城市驿站"}], "remove": []}
    answer = client.post("/walk/whatif", json=body)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["stations_after"] == found["stations_before"] + 1 and found["newly_lost"] == 0
    assert found["after"]["covered"] == found["before"]["covered"] + found["newly_covered"]
    assert found["newly_covered_area"]["type"] in ("Polygon", "MultiPolygon", "GeometryCollection")
    assert sum(r["covered_after"] - r["covered_before"] for r in found["by_street"]) == found["newly_covered"]
    assert client.get("/layers/stations", params={"limit": 1}).json()["numberMatched"] == before


def test_whatif_refuses_bad_changes(client: TestClient) -> None:
    assert client.post("/walk/whatif", json={"remove": ["NOPE"]}).status_code == 404
    assert client.post("/walk/whatif", json={"add": [{"lon": 113.1, "lat": 36.2, "kind": "小卖部"}]}).status_code == 400
    assert client.post("/walk/whatif", json={"add": [{"lon": 113.1, "lat": 36.2, "kind": "城市驿站",
                                                      "opens": "08:00"}]}).status_code == 400
    assert client.post("/walk/whatif", json={"limit_m": 1e9}).status_code == 422
    assert client.post("/walk/whatif", json={}, headers=bearer("viewer")).status_code == 403
