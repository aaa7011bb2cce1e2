"""The map pages over HTTP: what each draws, no personal data, nothing fetched from another host."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from geo.incidents.filters import SHANGHAI
from tests.api.clients import app_client, bearer
from web import palette
from web.offline import assert_offline

KEY = bearer("dispatcher")
REPORTER, PHONE = "赵六", "199-0000-0042"


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("maps_api")


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database) as test_client:
        assert test_client.post("/circles/recompute", json={"minutes": [5, 10, 15]}).status_code == 200
        yield test_client


def counts(page: str) -> dict[str, int]:
    """The layer counts a page publishes for tests (window.wanggeCounts)."""
    return json.loads(re.search(r"window\.wanggeCounts = (\{.*?\});", page).group(1))


def test_coverage_map_draws_grids_rings_and_open_stations(client: TestClient) -> None:
    page = client.get("/maps/coverage")
    assert page.status_code == 200 and "驿站15分钟步行覆盖" in page.text
    assert_offline(page.text)
    drawn = counts(page.text)
    stations = client.get("/layers/stations", params={"limit": 1000}).json()["features"]
    existing = [s for s in stations if s["properties"]["status"] == "existing"]
    assert drawn["网格覆盖率"] == len(client.get("/layers/grids", params={"limit": 1000}).json()["features"])
    assert sum(drawn[k] for k in ("党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站")) == len(existing)
    assert drawn["15分钟步行圈"] == drawn["10分钟步行圈"] == drawn["5分钟步行圈"] == 1
    night = counts(client.get("/maps/coverage", params={"kind": "暖新驿站", "at": "23:00"}).text)
    assert set(night) == {"网格覆盖率", "15分钟步行圈", "10分钟步行圈", "5分钟步行圈", "暖新驿站"}
    assert "未计算" in client.get("/maps/coverage", params={"at": "23:00"}).text  # no access run for 23:00
    assert client.get("/maps/coverage", params={"kind": "驿站"}).status_code == 400
    for bad in ("25", "25:00", "33:98", "00:00+16:00"):
        refused = client.get("/maps/coverage", params={"at": bad})
        assert refused.status_code == 400 and "时" in refused.json()["detail"], bad
    assert client.get("/maps/coverage", params={"at": "15:00Z"}).status_code == 200  # 23:00 in China


def test_incident_map_counts_and_keeps_reporters_out(client: TestClient) -> None:
    body = {"request_id": "MAP-1", "channel": "12345热线", "category_code": "CAT03",
            "reported_at": "2026-05-01T08:00:00+08:00", "description": f"{REPORTER}反映垃圾，电话{PHONE}",
            "lon": 113.112355, "lat": 36.180603, "reporter_name": REPORTER, "reporter_phone": PHONE}
    assert client.post("/incidents", json=body, headers=KEY).status_code == 201
    page = client.get("/maps/incidents", params={"start": "2026-04-01", "end": "2026-05-31"})
    assert page.status_code == 200 and REPORTER not in page.text and PHONE not in page.text
    assert_offline(page.text)
    drawn = counts(page.text)
    assert drawn["事件（聚合）"] == 1 and drawn["超期事件"] == 1  # its 7-day deadline has passed
    empty = counts(client.get("/maps/incidents", params={"start": "2026-06-01", "end": "2026-06-30"}).text)
    assert empty["事件（聚合）"] == 0


def _map_data(page: str) -> dict:
    """The compact array the incidents map embeds (web/map_incidents.POINTS_JS)."""
    return json.loads(re.search(r"var data = (\{.*?\}), cluster = ", page).group(1))


def test_incident_map_shows_the_last_30_days_up_to_now_with_full_popups(client: TestClient, database: str) -> None:
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(SHANGHAI).date()
    rng = random.Random(30)
    bodies = [{"request_id": f"WINDOW-{k}", "channel": "12345热线", "category_code": f"CAT0{1 + k % 4}",
               "reported_at": (now - dt.timedelta(hours=rng.uniform(1, 24 * 45))).isoformat(),
               "description": f"{REPORTER}反映，电话{PHONE}", "reporter_name": REPORTER, "reporter_phone": PHONE,
               "lon": 113.112355 + rng.uniform(-0.01, 0.01), "lat": 36.180603 + rng.uniform(-0.01, 0.01)}
              for k in range(40)]
    for body in bodies:
        assert client.post("/incidents", json=body, headers=KEY).status_code == 201
    start = today - dt.timedelta(days=29)
    with psycopg.connect(database) as conn:  # the window counted apart: Beijing midnight 29 days ago up to now
        expected = {r[0]: r for r in conn.execute(
            "SELECT i.id, c.name, i.status, i.department, i.handling_type, g.name, g.code, i.reported_at, i.deadline "
            "FROM incidents i JOIN categories c ON c.code = i.category_code LEFT JOIN grids g ON g.id = i.grid_id "
            "WHERE i.geom IS NOT NULL AND i.reported_at >= %s", (dt.datetime.combine(start, dt.time(), SHANGHAI),))}
    page = client.get("/maps/incidents").text
    assert f"最近30天</th><td>{start:%Y-%m-%d} 至 {today:%Y-%m-%d}（北京时间）" in page
    assert REPORTER not in page and PHONE not in page and "WINDOW-" not in page
    drawn = _map_data(page)
    assert counts(page)["事件（聚合）"] == len(drawn["rows"]) == len(expected) > 20
    for row in drawn["rows"]:
        want = expected[row[3]]
        assert (drawn["categories"][row[4]], drawn["statuses"][row[5]], drawn["departments"][row[8]],
                drawn["types"][row[9]], drawn["grids"][row[10]]) == (*want[1:5], f"{want[5]}（{want[6]}）")
        assert drawn["base"] + row[6] == int(want[7].timestamp() // 60)
        assert drawn["base"] + row[7] == int(want[8].timestamp() // 60)
    assert "在调度台办理" in page and '"/desk/incidents/' in page
    # Clusters in the legend's colours, not markercluster's green, yellow and orange.
    icon = re.search(r"iconCreateFunction.*?iconSize", page, re.S).group(0)
    assert json.dumps(palette.INCIDENT) in icon and json.dumps(palette.OVERDUE) in icon
    legend = re.search(r'class="wg-box wg-legend".*?</div></div>', page, re.S).group(0)
    assert palette.INCIDENT in legend and palette.OVERDUE in legend


def test_incident_map_takes_the_desks_filters(client: TestClient, database: str) -> None:
    old = {"request_id": "MARCH-1", "channel": "12345热线", "category_code": "CAT05",
           "reported_at": "2026-03-10T08:00:00+08:00", "lon": 113.112355, "lat": 36.180603}
    assert client.post("/incidents", json=old, headers=KEY).status_code == 201
    empty = client.get("/maps/incidents", params={"category": "CAT05"}).text  # nothing of CAT05 in 30 days
    assert counts(empty)["事件（聚合）"] == 0
    assert 'href="/maps/incidents?category=CAT05&amp;start=2026-03-01&amp;end=2026-03-31">2026年03月</a>' in empty
    march = client.get("/maps/incidents", params={"category": "CAT05", "start": "2026-03-01", "end": "2026-03-31"})
    assert counts(march.text)["事件（聚合）"] == 1 and "类别CAT05" in march.text
    chosen = {"type": "承诺件", "status": ["受理", "办理"], "start": "2026-01-01", "end": "2026-12-31"}
    page = client.get("/maps/incidents", params=chosen).text
    with psycopg.connect(database) as conn:
        expected = conn.execute("SELECT count(*) FROM incidents WHERE geom IS NOT NULL AND handling_type = '承诺件' "
                                "AND status IN ('受理', '办理') AND reported_at >= '2026-01-01T00:00+08' "
                                "AND reported_at < '2027-01-01T00:00+08'").fetchone()[0]
    assert counts(page)["事件（聚合）"] == expected > 0 and "状态受理、办理，承诺件" in page
    assert page.count('type="hidden" name="status"') == 2  # 更新 keeps the filters the form has no field for
    for bad in ({"type": "急件"}, {"status": "完成"}, {"start": "2026-13-01"}, {"due": "later"}):
        refused = client.get("/maps/incidents", params=bad)
        assert refused.status_code == 400 and next(iter(bad)) in refused.json()["detail"], bad


def test_gap_map_computes_for_the_view_and_stores_nothing(client: TestClient, database: str) -> None:
    page = client.get("/maps/gaps", params={"at": "21:40"})
    assert page.status_code == 200
    assert_offline(page.text)
    with psycopg.connect(database) as conn:  # a GET never writes
        assert conn.execute("SELECT count(*) FROM gap_runs g JOIN access_runs a ON a.id = g.access_run_id "
                            "WHERE a.at_time = '21:40'").fetchone()[0] == 0
    drawn = counts(page.text)
    hexagons = client.get("/gaps/hexagons", params={"at": "21:40"}).json()
    assert drawn["未覆盖居民（六边形）"] == len(hexagons["features"]) == hexagons["numberMatched"] > 0
    buildings = client.get("/gaps/buildings", params={"at": "21:40"}).json()
    assert drawn["未覆盖楼栋"] == len(buildings["features"])
    # an explicit recompute stores the same gaps (and the hour's access run it belongs to)
    stored = client.post("/gaps/recompute", params={"at": "21:40"}).json()
    assert (stored["hexagons"], stored["buildings"]) == (len(hexagons["features"]), len(buildings["features"]))


def test_siting_map_shows_the_scenario(client: TestClient) -> None:
    scenario = client.post("/siting/scenarios", json={"name": "地图", "kind": "全部", "k": 3}).json()
    page = client.get(f"/maps/siting/{scenario['id']}")
    assert page.status_code == 200 and "选址方案：地图" in page.text
    assert_offline(page.text)
    drawn = counts(page.text)
    assert drawn["建议新站"] == 3 and drawn["新站步行圈（完整）"] == 3 and drawn["新增覆盖范围"] == 1
    assert client.get("/maps/siting/9999").status_code == 404


def test_front_page_has_key_figures_and_links_to_every_map(client: TestClient) -> None:
    page = client.get("/").text
    for text in ("步行15分钟覆盖率", "未办结事件", "/maps/coverage", "/maps/incidents", "/maps/gaps", "/maps/siting/"):
        assert text in page


def test_the_coverage_legend_follows_the_filters(client: TestClient) -> None:
    assert client.post("/access/recompute", params={"at": "22:00"}).status_code == 200
    page = client.get("/maps/coverage", params={"kind": "城市驿站", "at": "22:00"}).text
    legend = re.search(r'class="wg-box wg-legend".*?</div></div>', page, re.S).group(0)
    assert "城市驿站驿站" not in legend and "城市驿站，22:00" in legend
    assert "城市驿站</div>" in legend and "暖新驿站" not in legend and "党群服务中心" not in legend
    everything = client.get("/maps/coverage").text
    legend = re.search(r'class="wg-box wg-legend".*?</div></div>', everything, re.S).group(0)
    assert all(k in legend for k in ("城市驿站", "暖新驿站", "党群服务中心", "党群服务驿站")) and "全天" in legend
