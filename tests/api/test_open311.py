"""Open311 GeoReport v2: every response checked against a JSON Schema written from the spec.

Intake is public and idempotent and lands on a grid; reads filter by id, service, dates and
status, page by 1000 (Link headers); the reporter's name, phone and e-mail never appear in any response.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from geo.incidents import intake as incidents
from tests.api.clients import app_client, bearer

V2 = "/open311/v2"
SCHEMAS = Path(__file__).parents[1] / "fixtures" / "open311"
KEY = "k"
INSIDE = {"lat": "36.180603", "long": "113.112355"}  # inside a grid of the demo district
NAME, PHONE, EMAIL = "王五", "199-0000-0001", "wangwu@example.com"
PERSONAL = (NAME, PHONE, "19900000001", EMAIL)
FORM = {"service_code": "CAT03", **INSIDE, "description": "垃圾桶已满多日无人清运",
        "first_name": "五", "last_name": "王", "phone": PHONE, "email": EMAIL, "address_string": "英雄中路1号"}
CST = dt.timezone(dt.timedelta(hours=8))


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


VALIDATORS = {name: validator(name) for name in ("services", "service_definition", "requests", "post_response",
                                                 "errors")}


def check(response: httpx2.Response, status: int, schema: str) -> object:
    """The response's JSON after checking status, content type, schema and that nothing personal leaks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    VALIDATORS[schema].validate(body)
    for personal in PERSONAL:
        assert personal not in response.text
    assert "reporter" not in response.text
    return body


def errors(response: httpx2.Response, status: int) -> str:
    """The error descriptions, joined, after checking the spec's error format and codes."""
    body = check(response, status, "errors")
    assert all(e["code"] == status for e in body)
    return " | ".join(e["description"] for e in body)


@pytest.fixture(scope="module")
def db_url(make_demo_database) -> str:
    return make_demo_database("open311_api")


@pytest.fixture(scope="module")
def client(db_url: str) -> Iterator[TestClient]:
    with app_client(db_url, None) as test_client:
        yield test_client


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url) as conn:
        yield conn


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def stored(db: psycopg.Connection, code: str, reported: str, description: str) -> int:
    """An incident reported at a chosen time, stored the way every channel stores them."""
    incident_id, _ = incidents.submit(db, incidents.IncidentIn(
        channel="12345热线", category_code=code, reported_at=at(reported), description=description,
        lon=113.112355, lat=36.180603))
    return incident_id


@pytest.fixture(scope="module")
def history(db_url: str) -> dict[str, int]:
    """January 2025: H1 (CAT01, open), H2 (CAT02, closed on the 12th), H3 (CAT01, open); H4 in December 2024."""
    with psycopg.connect(db_url) as conn:
        ids = {"H1": stored(conn, "CAT01", "2025-01-05T09:00:00+08:00", "占道经营一"),
               "H2": stored(conn, "CAT02", "2025-01-10T09:00:00+08:00", "噪声二"),
               "H3": stored(conn, "CAT01", "2025-01-20T09:00:00+08:00", "占道经营三"),
               "H4": stored(conn, "CAT01", "2024-12-20T09:00:00+08:00", "占道经营四")}
        # As if received when reported (the 受理 event is stamped when the row is stored).
        conn.execute("UPDATE incident_events AS e SET at = i.reported_at FROM incidents AS i "
                     "WHERE e.incident_id = i.id AND i.id = ANY(%(ids)s)", {"ids": list(ids.values())})
        conn.execute("UPDATE incidents SET status = '办结', closed_at = %(at)s WHERE id = %(id)s",
                     {"at": at("2025-01-12T10:00:00+08:00"), "id": ids["H2"]})
        conn.execute("INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status, note) "
                     "VALUES (%(id)s, %(at)s, '调度员', '办结', '反馈', '办结', '已处理')",
                     {"at": at("2025-01-12T10:00:00+08:00"), "id": ids["H2"]})
    return ids


def listed(client: TestClient, **params: str) -> list[dict[str, object]]:
    return check(client.get(f"{V2}/requests.json", params=params), 200, "requests")


JANUARY = {"start_date": "2025-01-01T00:00:00+08:00", "end_date": "2025-01-31T23:59:59+08:00"}


def test_services_are_the_categories(client: TestClient, db: psycopg.Connection) -> None:
    services = check(client.get(f"{V2}/services.json"), 200, "services")
    categories = db.execute("SELECT code, name, department, handling_type, time_limit_hours FROM categories "
                            "ORDER BY code").fetchall()
    assert [(s["service_code"], s["service_name"], s["group"]) for s in services] == \
        [(code, name, department) for code, name, department, _, _ in categories]
    first, (_, name, department, handling, hours) = services[0], categories[0]
    assert first["metadata"] is False and first["type"] == "realtime"
    assert department in first["description"] and handling in first["description"]
    assert f"{hours}小时" in first["description"] and name in first["keywords"]


def test_service_definition_and_unknown_service(client: TestClient) -> None:
    assert check(client.get(f"{V2}/services/CAT01.json"), 200, "service_definition") == \
        {"service_code": "CAT01", "attributes": []}
    assert "CAT99" in errors(client.get(f"{V2}/services/CAT99.json"), 404)
    assert "JSON" in errors(client.get(f"{V2}/services.xml"), 404)


def test_post_creates_an_incident_on_its_grid(client: TestClient, db: psycopg.Connection) -> None:
    body = check(client.post(f"{V2}/requests.json", data=FORM, headers={"Idempotency-Key": "POST-1"}),
                 201, "post_response")
    incident_id = int(body[0]["service_request_id"])
    assert body[0]["account_id"] is None and "环境卫生服务中心" in body[0]["service_notice"]
    row = incidents.read(db, incident_id, personal=True)
    assert (row["channel"], row["category_code"], row["coord_system"]) == ("网络", "CAT03", "WGS84")
    assert row["assign_method"] == "inside" and row["grid_code"].startswith(row["community_code"])
    assert (row["reporter_name"], row["reporter_phone"]) == (NAME, PHONE)  # kept for dispatchers only
    assert row["request_id"] == "open311:POST-1"
    assert row["grid_name"] in body[0]["service_notice"]

    [public] = check(client.get(f"{V2}/requests/{incident_id}.json"), 200, "requests")
    assert public["service_request_id"] == str(incident_id) and public["status"] == "open"
    assert (public["address_id"], public["agency_responsible"]) == (row["grid_code"], row["department"])
    assert row["street_name"] in public["address"] and row["grid_name"] in public["address"]
    # the public sees the place to about 50 m, not the reporter's door
    assert (public["lat"], public["long"]) == (pytest.approx(36.180603, abs=3e-4), pytest.approx(113.112355, abs=3e-4))
    assert (public["lat"], public["long"]) != (pytest.approx(36.180603, abs=1e-6), pytest.approx(113.112355, abs=1e-6))
    assert public["expected_datetime"] == row["deadline"].astimezone(CST).isoformat(timespec="seconds")
    assert public["requested_datetime"].endswith("+08:00") and public["zipcode"] is None
    assert any(r["service_request_id"] == str(incident_id) for r in listed(client))  # last 90 days by default


def test_retry_returns_the_first_request(client: TestClient, db: psycopg.Connection) -> None:
    first = client.post(f"{V2}/requests.json", data=FORM, headers={"Idempotency-Key": "RETRY-1"})
    again = client.post(f"{V2}/requests.json", data=FORM, headers={"Idempotency-Key": "RETRY-1"})
    assert check(first, 201, "post_response") == check(again, 200, "post_response")
    count = db.execute("SELECT count(*) FROM incidents WHERE request_id = 'open311:RETRY-1'").fetchone()[0]
    assert count == 1
    # The form field request_id does the same, also in a JSON body.
    as_json = {**FORM, "lat": 36.180603, "long": 113.112355, "request_id": "RETRY-2"}
    created = check(client.post(f"{V2}/requests.json", json=as_json), 201, "post_response")
    assert check(client.post(f"{V2}/requests.json", json=as_json), 200, "post_response") == created
    # The same key for a different request is refused, not silently answered with the first.
    changed = client.post(f"{V2}/requests.json", data={**FORM, "description": "另一件事"},
                          headers={"Idempotency-Key": "RETRY-1"})
    assert "RETRY-1" in errors(changed, 409)
    both = client.post(f"{V2}/requests.json", data={**FORM, "request_id": "A"}, headers={"Idempotency-Key": "B"})
    assert "Idempotency-Key" in errors(both, 400)


def test_invalid_requests_are_refused_in_the_spec_format(client: TestClient, db: psycopg.Connection) -> None:
    before = db.execute("SELECT count(*) FROM incidents").fetchone()[0]
    no_service = {k: v for k, v in FORM.items() if k != "service_code"}
    assert "service_code" in errors(client.post(f"{V2}/requests.json", data=no_service), 400)
    address_only = {k: v for k, v in FORM.items() if k not in ("lat", "long")}
    assert "lat、long" in errors(client.post(f"{V2}/requests.json", data=address_only), 400)
    assert "CAT99" in errors(client.post(f"{V2}/requests.json", data={**FORM, "service_code": "CAT99"}), 404)
    swapped = errors(client.post(f"{V2}/requests.json", data={**FORM, "lat": "113.112355", "long": "36.180603"}), 400)
    assert "lat" in swapped and "long" in swapped and "颠倒" in swapped
    assert errors(client.post(f"{V2}/requests.json", data={**FORM, "lat": "95"}), 400).startswith("lat：")
    assert errors(client.post(f"{V2}/requests.json", data={**FORM, "long": "东经113"}), 400).startswith("long：")
    assert errors(client.post(f"{V2}/requests.json", data={**FORM, "lat": "nan"}), 400).startswith("lat：")
    many = client.post(f"{V2}/requests.json", data={**no_service, "lat": "abc"}).json()
    assert [e["description"].split("：")[0] for e in many] == ["service_code", "lat"]
    long_text = errors(client.post(f"{V2}/requests.json", data={**FORM, "description": "满" * 4001}), 400)
    assert long_text.startswith("description：")
    errors(client.post(f"{V2}/requests.json", content=b"service_code=CAT03", headers={"Content-Type": "text/plain"}),
           415)
    assert "JSON" in errors(client.post(f"{V2}/requests.json", content=b"[1]",
                                        headers={"Content-Type": "application/json"}), 400)
    assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == before


def test_list_filters_by_date_status_and_service(client: TestClient, history: dict[str, int]) -> None:
    h1, h2, h3, h4 = (str(history[k]) for k in ("H1", "H2", "H3", "H4"))

    def ids(**params: str) -> list[str]:
        return [r["service_request_id"] for r in listed(client, **params)]

    assert ids(**JANUARY) == [h3, h2, h1]  # newest first
    assert ids(**JANUARY, status="closed") == [h2]
    assert ids(**JANUARY, status="open") == [h3, h1]
    assert ids(**JANUARY, status="open,closed") == [h3, h2, h1]
    assert ids(**JANUARY, service_code="CAT01") == [h3, h1]
    assert ids(**JANUARY, service_code="CAT01,CAT02") == [h3, h2, h1]
    assert ids(start_date="2025-01-08T00:00:00+08:00") == [h3, h2]  # 90 days from the start
    assert ids(end_date="2025-01-15T00:00:00Z") == [h2, h1, h4]  # 90 days up to the end
    assert not set(ids()) & {h1, h2, h3, h4}  # the default is the last 90 days
    assert ids(service_request_id=f"{h1},{h4}", status="closed") == [h1, h4]  # ids override every filter

    closed = next(r for r in listed(client, **JANUARY) if r["service_request_id"] == h2)
    assert closed["status"] == "closed" and closed["status_notes"] == "已办结"
    assert closed["updated_datetime"] == "2025-01-12T10:00:00+08:00"  # the latest event
    opened = next(r for r in listed(client, **JANUARY) if r["service_request_id"] == h1)
    assert opened["updated_datetime"] == "2025-01-05T09:00:00+08:00"  # only its 受理 event
    assert opened["expected_datetime"] == "2025-01-08T09:00:00+08:00"  # CAT01: 72 hours
    assert opened["requested_datetime"] == "2025-01-05T09:00:00+08:00" and opened["service_name"] == "占道经营"

    # An unencoded "+08:00" reaches the server as " 08:00" and is still understood.
    raw = client.get(f"{V2}/requests.json?start_date=2025-01-01T00:00:00+08:00&end_date=2025-01-31T00:00:00+08:00")
    assert [r["service_request_id"] for r in check(raw, 200, "requests")] == [h3, h2, h1]


def test_list_arguments_are_checked(client: TestClient) -> None:
    def refused(**params: str) -> str:
        return errors(client.get(f"{V2}/requests.json", params=params), 400)

    assert refused(start_date="2025-01-01T00:00:00+08:00", end_date="2025-06-01T00:00:00+08:00").startswith(
        "start_date、end_date")
    assert "早于" in refused(start_date="2025-02-01T00:00:00Z", end_date="2025-01-01T00:00:00Z")
    assert refused(start_date="2025-01-01T00:00:00").startswith("start_date：")  # no time zone
    assert refused(end_date="昨天").startswith("end_date：")
    assert refused(status="pending").startswith("status：")
    assert "CAT99" in refused(service_code="CAT01,CAT99")
    assert refused(service_request_id="1,x").startswith("service_request_id：")
    assert "999999999" in errors(client.get(f"{V2}/requests/999999999.json"), 404)
    errors(client.get(f"{V2}/requests/abc.json"), 404)


def test_list_pages_by_1000_with_link_headers(client: TestClient, db: psycopg.Connection) -> None:
    db.execute("""
        INSERT INTO incidents (channel, category_code, description, reported_at, geom, handling_type, department,
                               deadline)
        SELECT '12345热线', c.code, '批量' || n, %(start)s::timestamptz + n * interval '1 minute',
               ST_SetSRID(ST_MakePoint(113.112355, 36.180603), 4326), c.handling_type, c.department,
               %(start)s::timestamptz + n * interval '1 minute' + make_interval(hours => c.time_limit_hours)
        FROM generate_series(1, 1100) AS n, categories AS c WHERE c.code = 'CAT03'""",
               {"start": at("2024-06-01T00:00:00+08:00")})
    db.execute("UPDATE incidents SET publishable = true WHERE description LIKE '批量%%'")
    db.commit()
    june = {"start_date": "2024-06-01T00:00:00+08:00", "end_date": "2024-06-02T00:00:00+08:00"}
    first = client.get(f"{V2}/requests.json", params=june)
    page = check(first, 200, "requests")
    assert len(page) == 1000 and first.headers["X-Number-Matched"] == "1100"
    assert page[0]["description"] == "批量1100" and page[-1]["description"] == "批量101"
    following = re.fullmatch(r'<([^>]*)>; rel="next"', first.headers["Link"]).group(1)
    second = client.get(following)
    assert [r["description"] for r in check(second, 200, "requests")] == [f"批量{n}" for n in range(100, 0, -1)]
    assert second.headers["X-Number-Returned"] == "100" and 'rel="next"' not in second.headers["Link"]
    assert re.search(r'<([^>]*)>; rel="prev"', second.headers["Link"]).group(1).endswith("page=1&page_size=1000")
    for bad in ({"page": "0"}, {"page_size": "1001"}, {"page_size": "x"}, {"page": "9" * 5000}):
        assert errors(client.get(f"{V2}/requests.json", params={**june, **bad}), 400).startswith(next(iter(bad)))


def test_no_reporter_data_in_any_response(client: TestClient, db: psycopg.Connection) -> None:
    talkative = {**FORM, "description": f"我是{NAME}，电话19900000001，备用{PHONE}，邮箱{EMAIL}，垃圾没人收"}
    posted = client.post(f"{V2}/requests.json", data={**talkative, "api_key": KEY}, headers={"X-API-Key": KEY})
    incident_id = check(posted, 201, "post_response")[0]["service_request_id"]
    assert NAME in incidents.read(db, int(incident_id), personal=True)["description"]  # stored as given
    [unmoderated] = check(client.get(f"{V2}/requests/{incident_id}.json"), 200, "requests")
    assert unmoderated["description"] == "" and unmoderated["media_url"] is None  # until a dispatcher allows it
    published = client.post(f"/incidents/{incident_id}/publication", json={"publishable": True},
                            headers=bearer("dispatcher"))
    assert published.status_code == 200
    for headers in ({}, bearer("dispatcher")):  # a dispatcher's token changes nothing here
        [one] = check(client.get(f"{V2}/requests/{incident_id}.json", params={"api_key": KEY}, headers=headers),
                      200, "requests")
        assert one["description"] == "我是***，电话***，备用***，邮箱***，垃圾没人收"
        listed_ = check(client.get(f"{V2}/requests.json", params={"service_request_id": incident_id},
                                   headers=headers), 200, "requests")
        assert listed_ == [one]
        check(client.get(f"{V2}/requests.json", headers=headers), 200, "requests")
    retry = client.post(f"{V2}/requests.json", data=talkative, headers={"Idempotency-Key": "PRIVATE-1"})
    check(retry, 201, "post_response")
    check(client.post(f"{V2}/requests.json", data=talkative, headers={"Idempotency-Key": "PRIVATE-1"}),
          200, "post_response")
