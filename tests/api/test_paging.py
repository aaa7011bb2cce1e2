"""No silent caps: every list and GeoJSON collection pages to the end by its `next` links and back by `prev`.

On the demo district: for every layer, the pages' numberReturned add up to numberMatched and to a
separate SQL count, with no feature twice; the same for per-building access, gaps, circles, scenarios
and their sites, users, tokens, the audit log, and Open311 requests (by Link headers).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.settings import ApiSettings
from geo.layers.schema import LAYERS
from tests.api.clients import app_client

SETTINGS = ApiSettings()
PAGES = 4  # a small page size: each collection is walked in about this many pages


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("paging")


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database, "admin") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def db(database: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database, autocommit=True) as conn:
        yield conn


def small(total: int) -> int:
    """A page size that walks `total` items in about PAGES pages (at least 2 when there are 2)."""
    return max(1, -(-total // PAGES))


def rel(body: dict, name: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == name), None)


def walk(client: TestClient, path: str, params: dict[str, object], key: str = "features") -> list[dict]:
    """Every page from the first by `next`, checking counts, paging and links on each; then back by `prev`."""
    pages = [client.get(path, params=params)]
    while True:
        assert pages[-1].status_code == 200, pages[-1].text
        body = pages[-1].json()
        assert body["numberReturned"] == len(body[key])
        assert body["paging"]["limit"] == params["limit"] and body["paging"]["maxLimit"] >= params["limit"]
        assert (rel(body, "prev") is None) == (len(pages) == 1)
        following = rel(body, "next")
        if following is None:
            break
        assert len(pages) < 1000
        pages.append(client.get(following))
    bodies = [p.json() for p in pages]
    matched = {b["numberMatched"] for b in bodies}
    assert len(matched) == 1 and sum(b["numberReturned"] for b in bodies) == matched.pop()
    back = bodies[-1]
    for earlier in reversed(bodies[:-1]):  # prev goes back page by page to the first
        back = client.get(rel(back, "prev")).json()
        assert back[key] == earlier[key]
    assert rel(back, "prev") is None
    return [item for b in bodies for item in b[key]]


def count(db: psycopg.Connection, table: str) -> int:
    return db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_pages_to_its_sql_count(client: TestClient, db: psycopg.Connection, name: str) -> None:
    layer = LAYERS[name]
    if layer.geometry is None:
        refused = client.get(f"/layers/{name}")
        assert refused.status_code == 400 and "没有几何" in refused.json()["detail"]
        return
    total = count(db, name)
    features = walk(client, f"/layers/{name}", {"limit": small(total)})
    keys = [tuple(f["properties"][k] for k in layer.key) for f in features]
    assert len(features) == total > 0 and len(set(keys)) == total
    assert keys == sorted(keys)  # in key order, so the pages neither overlap nor skip


def test_the_default_page_states_what_is_left(client: TestClient) -> None:
    """A client that never pages (GDAL's GeoJSON driver, a browser) still reads how many there are."""
    body = client.get("/layers/buildings").json()
    assert body["numberReturned"] == SETTINGS.default_page_size < body["numberMatched"] == 6097
    assert body["paging"] == {"offset": 0, "limit": SETTINGS.default_page_size, "maxLimit": SETTINGS.max_page_size}
    assert "offset=1000" in rel(body, "next") and body["timeStamp"].endswith("Z")
    too_many = client.get("/layers/buildings", params={"limit": SETTINGS.max_page_size + 1})
    assert too_many.status_code == 400 and str(SETTINGS.max_page_size) in too_many.json()["detail"]
    past = client.get("/layers/buildings", params={"offset": 7000, "limit": 2000}).json()
    assert past["numberReturned"] == 0 and rel(past, "next") is None and "offset=4097" in rel(past, "prev")


def test_bbox_pages_match_sql_on_seeded_boxes(client: TestClient, db: psycopg.Connection) -> None:
    west, south, east, north = db.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                                          "FROM (SELECT ST_Extent(geom) AS e FROM buildings) AS x").fetchone()
    rng = random.Random(16)
    for _ in range(3):
        xs = sorted(rng.uniform(west, east) for _ in range(2))
        ys = sorted(rng.uniform(south, north) for _ in range(2))
        expected = [r[0] for r in db.execute(
            "SELECT code FROM buildings WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY code",
            (xs[0], ys[0], xs[1], ys[1]))]
        bbox = f"{xs[0]},{ys[0]},{xs[1]},{ys[1]}"
        found = walk(client, "/layers/buildings", {"bbox": bbox, "limit": small(len(expected))})
        assert [f["properties"]["code"] for f in found] == expected


def test_access_pages_every_building(client: TestClient, db: psycopg.Connection) -> None:
    total = count(db, "buildings")
    found = walk(client, "/access/buildings", {"at": "22:00", "limit": small(total)})
    codes = [f["properties"]["building_code"] for f in found]
    assert len(set(codes)) == len(codes) == total


@pytest.mark.parametrize("layer", ["hexagons", "buildings"])
def test_gaps_page_to_the_whole_layer(client: TestClient, layer: str) -> None:
    whole = client.get(f"/gaps/{layer}", params={"at": "22:00", "limit": SETTINGS.max_page_size}).json()
    assert whole["numberReturned"] == whole["numberMatched"] > 0 and rel(whole, "next") is None
    found = walk(client, f"/gaps/{layer}", {"at": "22:00", "limit": small(whole["numberMatched"])})
    assert found == whole["features"]


def test_circles_and_scenarios_page(client: TestClient, db: psycopg.Connection) -> None:
    assert client.post("/circles/recompute", json={"minutes": [5]}).status_code == 200
    circles = walk(client, "/circles", {"limit": small(count(db, "walk_circles"))})
    assert len({f["properties"]["station_code"] for f in circles}) == len(circles) == count(db, "walk_circles")
    for k in (1, 2, 3):
        created = client.post("/siting/scenarios", json={"name": f"分页{k}", "kind": "全部", "k": 4, "method": "greedy",
                                                         "limit_m": 300})
        assert created.status_code == 201, created.text
    listed = walk(client, "/siting/scenarios", {"limit": 2}, key="items")
    assert [s["id"] for s in listed] == [r[0] for r in db.execute("SELECT id FROM siting_scenarios ORDER BY id DESC")]
    sites = walk(client, f"/siting/scenarios/{listed[0]['id']}/sites", {"limit": 3})
    assert [f["properties"]["rank"] for f in sites] == [1, 2, 3, 4]


@pytest.mark.parametrize(("path", "table"), [("/users", "users"), ("/tokens", "api_tokens"), ("/audit", "audit_log")])
def test_admin_lists_page_to_their_sql_count(client: TestClient, db: psycopg.Connection, path: str, table: str) -> None:
    items = walk(client, path, {"limit": 2}, key="items")
    assert len(items) == count(db, table) > 2 and len({i["id"] for i in items}) == len(items)


def test_open311_pages_by_link_headers(client: TestClient, db: psycopg.Connection) -> None:
    window = {"start_date": "2026-08-01T00:00:00+08:00", "end_date": "2026-10-29T00:00:00+08:00"}
    rng = random.Random(311)  # 2,600 reports at seeded minutes from July to November, a few at the same minute
    minutes = [rng.randrange(0, 150 * 24 * 60) for _ in range(2600)]
    db.execute("""
        INSERT INTO incidents (channel, category_code, description, reported_at, geom, handling_type, department,
                               deadline)
        SELECT '12345热线', c.code, '分页' || n, %(start)s::timestamptz + m * interval '1 minute',
               ST_SetSRID(ST_MakePoint(113.112355, 36.180603), 4326), c.handling_type, c.department,
               %(start)s::timestamptz + m * interval '1 minute' + make_interval(hours => c.time_limit_hours)
        FROM unnest(%(minutes)s::int[]) WITH ORDINALITY AS t(m, n)
        JOIN categories AS c ON c.code = 'CAT0' || (1 + n %% 5)""",
               {"start": dt.datetime.fromisoformat("2026-07-01T00:00:00+08:00"), "minutes": minutes})
    expected = [r[0] for r in db.execute(
        "SELECT id FROM incidents WHERE reported_at BETWEEN %s AND %s ORDER BY reported_at DESC, id DESC",
        (dt.datetime.fromisoformat(window["start_date"]), dt.datetime.fromisoformat(window["end_date"])))]
    size = small(len(expected))
    url, pages = "/open311/v2/requests.json", []
    response = client.get(url, params={**window, "page_size": size})
    while True:
        assert response.status_code == 200 and isinstance(response.json(), list)
        assert int(response.headers["X-Number-Matched"]) == len(expected)
        assert int(response.headers["X-Number-Returned"]) == len(response.json())
        assert response.headers["X-Page-Size"] == str(size) and response.headers["X-Max-Page-Size"] == "1000"
        pages.append(response)
        following = links(response).get("next")
        if following is None:
            break
        response = client.get(following)
    assert [int(r["service_request_id"]) for p in pages for r in p.json()] == expected
    back = client.get(links(pages[-1])["prev"])
    assert back.json() == pages[-2].json() and "prev" not in links(pages[0])
    unpaged = client.get(url, params=window)  # a client that knows nothing of the extension: the first 1,000
    assert len(unpaged.json()) == 1000 < int(unpaged.headers["X-Number-Matched"]) and "next" in links(unpaged)


def links(response) -> dict[str, str]:
    """The RFC 8288 Link header as {rel: URL}."""
    return {m.group(2): m.group(1) for m in re.finditer(r'<([^>]*)>; rel="(\w+)"', response.headers.get("Link", ""))}
