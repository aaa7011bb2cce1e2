"""Coverage, gaps and siting over HTTP on a demo database of their own."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from geo.db import jobs
from tests.api.clients import app_client


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("planning_api")


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database) as test_client:
        yield test_client


@pytest.mark.parametrize(("path", "kind", "body"), [
    ("/circles/recompute", "circles", {}), ("/access/recompute", "access", None),
    ("/gaps/recompute", "gaps", None), ("/siting/scenarios", "siting", {"name": "忙", "k": 1})])
def test_a_second_recompute_of_a_kind_is_refused_naming_who_runs_the_first(
        client: TestClient, database: str, path: str, kind: str, body: dict | None) -> None:
    with psycopg.connect(database) as other, jobs.exclusive(other, kind, "测试", "someone"):
        busy = client.post(path, json=body)
    assert busy.status_code == 409 and "someone" in busy.json()["detail"], busy.text
    assert busy.json()["holder"].startswith("someone于")


def test_coverage_at_any_hour_needs_no_precomputation(client: TestClient) -> None:
    night = client.get("/coverage", params={"at": "03:00"})
    day = client.get("/coverage")
    assert night.status_code == day.status_code == 200, night.text
    assert 0 < night.json()["totals"]["covered"] < day.json()["totals"]["covered"]


def test_coverage_gaps_and_a_scenario(client: TestClient) -> None:
    assert client.post("/access/recompute").status_code == 200
    streets = client.get("/coverage").json()
    grids = client.get("/coverage", params={"level": "grid", "kind": "全部"}).json()
    assert streets["totals"] == grids["totals"] and len(streets["areas"]) == 10
    assert client.get("/coverage", params={"kind": "驿站"}).status_code == 400

    gap = client.post("/gaps/recompute").json()
    assert gap["uncovered_residents"] == streets["totals"]["uncovered"] and gap["hexagons"] > 0
    hexagons = client.get("/gaps/hexagons").json()
    buildings = client.get("/gaps/buildings").json()
    assert len(hexagons["features"]) == gap["hexagons"] and len(buildings["features"]) == gap["buildings"]
    assert sum(f["properties"]["uncovered_residents"] for f in hexagons["features"]) == gap["uncovered_residents"]

    created = client.post("/siting/scenarios", json={"name": "五处", "kind": "全部", "k": 3})
    assert created.status_code == 201
    scenario = created.json()
    assert scenario["sites"] == 3 and "已证明最优" in scenario["verdict"]
    assert scenario["covered_before"] == streets["totals"]["covered"] < scenario["covered_after"]
    sites = client.get(f"/siting/scenarios/{scenario['id']}/sites").json()
    assert [f["properties"]["rank"] for f in sites["features"]] == [1, 2, 3]
    assert client.get(f"/siting/scenarios/{scenario['id']}").json()["objective"] == scenario["objective"]

    target = client.post("/siting/scenarios", json={"name": "九成五", "kind": "全部", "target_share": 0.95}).json()
    listed = client.get("/siting/scenarios").json()
    assert [s["id"] for s in listed["items"]] == [target["id"], scenario["id"]] and listed["numberMatched"] == 2
    first = client.get("/siting/scenarios", params={"limit": 1}).json()
    assert first["numberReturned"] == 1 and [link["rel"] for link in first["links"]] == ["self", "next"]
    assert client.get(first["links"][1]["href"]).json()["items"][0]["id"] == scenario["id"]
    compared = client.get("/siting/compare", params={"first": scenario["id"], "second": target["id"]}).json()
    assert len(compared["streets"]) == 10
    assert client.get("/siting/scenarios/999").status_code == 404


def test_scenario_inputs_are_checked(client: TestClient) -> None:
    both = client.post("/siting/scenarios", json={"name": "x", "k": 2, "target_share": 0.9})
    assert both.status_code == 400 and "只能给出一个" in both.json()["detail"]
    assert client.post("/siting/scenarios", json={"name": "x", "k": -1}).status_code == 422
    assert client.post("/siting/scenarios", json={"name": "x", "kind": "驿站"}).status_code == 400
