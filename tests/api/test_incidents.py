"""Incident intake over HTTP: roles, idempotency, clear 422s, personal data kept from the public."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.clients import app_client, bearer

KEY = bearer("dispatcher")
BODY = {"request_id": "APP-1", "channel": "网络", "category_code": "CAT03", "reported_at": "2026-05-01T08:00:00+08:00",
        "description": "垃圾桶已满", "lon": 113.112355, "lat": 36.180603, "reporter_name": "王五",
        "reporter_phone": "199-0000-0001"}


@pytest.fixture(scope="module")
def client(make_demo_database) -> Iterator[TestClient]:
    with app_client(make_demo_database("incident_api"), None) as test_client:
        yield test_client


def test_intake_needs_a_casework_key(client: TestClient) -> None:
    assert client.post("/incidents", json=BODY).status_code == 401
    assert client.post("/incidents", json=BODY, headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.post("/incidents", json=BODY, headers=bearer("viewer")).status_code == 403
    assert client.post("/incidents", json=BODY, headers=bearer("planner")).status_code == 403
    assert client.post("/incidents", json={k: v for k, v in BODY.items() if k != "request_id"},
                       headers=KEY).status_code == 422  # machine intake must be retry-safe


def test_same_request_id_with_other_content_is_a_409(client: TestClient) -> None:
    body = {**BODY, "request_id": "APP-409"}
    assert client.post("/incidents", json=body, headers=KEY).status_code == 201
    changed = client.post("/incidents", json={**body, "description": "另一件事"}, headers=KEY)
    assert changed.status_code == 409 and "APP-409" in changed.json()["detail"]


def test_intake_is_idempotent_and_assigns_a_grid(client: TestClient) -> None:
    first = client.post("/incidents", json=BODY, headers=KEY)
    again = client.post("/incidents", json=BODY, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    body = first.json()
    assert body["assign_method"] == "inside" and body["grid_code"].startswith(body["community_code"])
    assert body["reporter_phone"] == "199-0000-0001"  # the dispatcher sees the reporter


def test_grid_workers_read_without_the_reporter(client: TestClient) -> None:
    incident_id = client.post("/incidents", json={**BODY, "request_id": "APP-2"}, headers=KEY).json()["id"]
    assert client.get(f"/incidents/{incident_id}").status_code == 401
    assert client.get(f"/incidents/{incident_id}", headers=bearer("viewer")).status_code == 403
    public = client.get(f"/incidents/{incident_id}", headers=bearer("grid_worker"))
    assert public.status_code == 200 and "reporter_name" not in public.json()
    assert "王五" not in public.text and "199-0000-0001" not in public.text
    assert client.get(f"/incidents/{incident_id}", headers=KEY).json()["reporter_name"] == "王五"
    assert client.get("/incidents/999999", headers=KEY).status_code == 404


def test_swapped_coordinates_are_a_clear_422(client: TestClient) -> None:
    response = client.post("/incidents", json={**BODY, "request_id": "APP-3", "lon": 36.18, "lat": 113.11},
                           headers=KEY)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "lat" and "颠倒" in response.json()["detail"]


def test_unknown_category_is_a_422_and_stores_nothing(client: TestClient) -> None:
    body = {**BODY, "request_id": "APP-CAT", "category_code": "NOPE"}
    alone = client.post("/incidents", json=body, headers=KEY)
    assert alone.status_code == 422 and [p["field"] for p in alone.json()["problems"]] == ["category_code"]
    with_others = client.post("/incidents", json={**body, "channel": "飞鸽"}, headers=KEY)
    assert sorted(p["field"] for p in with_others.json()["problems"]) == ["category_code", "channel"]
    # nothing was stored under the request id: once fixed, the same id creates the incident
    fixed = client.post("/incidents", json={**body, "category_code": "CAT03"}, headers=KEY)
    assert fixed.status_code == 201


def test_a_retry_answers_exactly_what_the_first_post_did(client: TestClient) -> None:
    body = {**BODY, "request_id": "APP-RETRY", "lon": 113.5, "lat": 36.0}  # far out: out_of_area, no grid
    first, again = (client.post("/incidents", json=body, headers=KEY) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() == client.get(f"/incidents/{first.json()['id']}", headers=KEY).json()
    assert first.json()["assign_method"] == "out_of_area" and first.json()["grid_code"] is None


def test_csv_import_all_or_nothing_or_good_rows(client: TestClient) -> None:
    csv = ("request_id,reported_at,channel,category_code,description,lon,lat,coord_system\n"
           "C1,2026-05-01T08:00:00+08:00,12345热线,CAT01,占道,113.112355,36.180603,WGS84\n"
           "C2,2026-05-01T08:05:00+08:00,12345热线,CAT99,未知类别,113.112355,36.180603,WGS84\n")
    refused = client.post("/incidents/import", content=csv.encode(), headers={**KEY, "Content-Type": "text/csv"})
    assert refused.status_code == 422
    assert refused.json()["problems"] == [{"source": "上传的CSV", "row": 3, "field": "category_code",
                                           "reason": "职责清单中没有类别“CAT99”"}]
    good = client.post("/incidents/import", params={"mode": "good"}, content=csv.encode(),
                       headers={**KEY, "Content-Type": "text/csv"}).json()
    assert good["stored"] == 1 and good["skipped"][0]["row"] == 3


def test_actions_events_queue_and_figures(client: TestClient) -> None:
    incident_id = client.post("/incidents", json={**BODY, "request_id": "APP-9"}, headers=KEY).json()["id"]
    step = {"action": "办结", "actor": "调度员"}
    refused = client.post(f"/incidents/{incident_id}/actions", json=step, headers=KEY)
    assert refused.status_code == 409 and "可执行：上报、办理、退回" in refused.json()["detail"]
    assert client.post(f"/incidents/{incident_id}/actions", json={"action": "办理", "actor": "李四"}).status_code == 401
    moved = client.post(f"/incidents/{incident_id}/actions", json={"action": "办理", "actor": "李四"}, headers=KEY)
    assert moved.json()["status"] == "办理"
    trail = client.get(f"/incidents/{incident_id}/events", headers=KEY).json()
    assert [e["action"] for e in trail] == ["受理", "办理"]
    assert client.get(f"/incidents/{incident_id}/events").status_code == 401
    overdue = client.get("/incidents", params={"queue": "overdue", "limit": 10000}, headers=KEY).json()
    assert incident_id in [r["id"] for r in overdue["items"]] and "王五" not in str(overdue)
    assert overdue["numberMatched"] == overdue["numberReturned"]
    figures = client.get("/figures", headers=KEY, params= {"start": "2026-05-01T00:00:00+08:00", "end": "2026-05-02T00:00:00+08:00",
                                                           "level": "community"}).json()
    assert sum(r["incidents"] for r in figures) >= 1
    naive = client.get("/figures", params={"start": "2026-05-01T00:00:00", "end": "2026-05-02T00:00:00"}, headers=KEY)
    assert naive.status_code == 422 and "时区" in naive.json()["detail"][0]["msg"]


def test_public_description_masks_the_reporter_and_contacts(client: TestClient) -> None:
    body = {**BODY, "request_id": "APP-10", "description": "王五反映：楼下垃圾满了，联系199-0000-0001或13912345678"}
    incident_id = client.post("/incidents", json=body, headers=KEY).json()["id"]
    public = client.get(f"/incidents/{incident_id}", headers=bearer("grid_worker")).json()["description"]
    assert "王五" not in public and "199-0000-0001" not in public and "13912345678" not in public
    assert "楼下垃圾满了" in public
    assert client.get(f"/incidents/{incident_id}", headers=KEY).json()["description"] == body["description"]
