"""/figures against a recomputation from the audit trail, and the dashboard against /figures and its links.

The database holds a seeded sample of the demo's incidents, each with a seeded random handling history
(tests/incident_history.py). The reference derives every incident's state from incident_events alone
(separate SQL: responded = an event leaving 受理; closed = the last state-changing event ends in 办结,
at that event's time; satisfied from that event's detail; the deadline in force from the last 上报's
detail, else the report time plus the category's limit), places it by its grid's code, counts residents
by the buildings whose point lies in each grid (spatially), and aggregates in Python.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
import pytest
from fastapi.testclient import TestClient

from geo.incidents.figures import LEVELS, Month
from geo.incidents.filters import IncidentFilter
from tests.api.clients import app_client
from tests.incident_history import demo_database_with_history

TZ = dt.timezone(dt.timedelta(hours=8))
PER_INCIDENT = """
WITH moves AS (  -- events that changed the state (intake's 受理 and notes change nothing)
    SELECT incident_id, id, at, action, from_status, to_status, detail FROM incident_events
    WHERE from_status IS NOT NULL AND from_status IS DISTINCT FROM to_status OR action = '上报'
), last_move AS (
    SELECT DISTINCT ON (incident_id) incident_id, at, to_status, detail FROM moves
    WHERE from_status IS DISTINCT FROM to_status ORDER BY incident_id, at DESC, id DESC
), escalated AS (
    SELECT DISTINCT ON (incident_id) incident_id, (detail ->> 'deadline')::timestamptz AS deadline FROM moves
    WHERE action = '上报' ORDER BY incident_id, at DESC, id DESC
)
SELECT i.reported_at, g.code AS grid, i.department, i.co_departments, i.category_code,
       EXISTS (SELECT 1 FROM moves AS m WHERE m.incident_id = i.id AND m.from_status = '受理'
                                         AND m.to_status <> '受理') AS responded,
       CASE WHEN l.to_status = '办结' THEN l.at END AS closed_at,
       CASE WHEN l.to_status = '办结' THEN (l.detail ->> 'satisfied')::boolean END AS satisfied,
       coalesce(e.deadline, i.reported_at + make_interval(hours => c.time_limit_hours)) AS deadline
FROM incidents AS i
JOIN categories AS c ON c.code = i.category_code
LEFT JOIN grids AS g ON g.id = i.grid_id
LEFT JOIN last_move AS l ON l.incident_id = i.id
LEFT JOIN escalated AS e ON e.incident_id = i.id
"""
RESIDENTS = """
SELECT g.code, sum(b.residents) FROM buildings AS b JOIN grids AS g ON ST_Covers(g.geom, ST_PointOnSurface(b.geom))
GROUP BY g.code
"""
PREFIX = {"district": 6, "street": 9, "community": 12, "grid": 15}
COUNTS = ("incidents", "responded", "closed", "rated", "satisfied", "overdue")
# What the incidents behind each figure's link must number, as a count of the row.
LINKED_COUNT = {"incidents": "incidents", "per_1000": "incidents", "response_rate": "incidents",
                "resolution_rate": "closed", "median_hours_to_close": "closed", "satisfaction_rate": "satisfied",
                "overdue_rate": "overdue"}


@pytest.fixture(scope="module")
def url(make_demo_database, demo_dir) -> str:
    return demo_database_with_history(make_demo_database, demo_dir)


@pytest.fixture(scope="module")
def client(url: str):
    with app_client(url, role=None) as test_client:
        test_client.headers["Authorization"] = "Bearer demo-viewer"
        yield test_client


@pytest.fixture(scope="module")
def months(url: str) -> list[Month]:
    """The first, a middle and the latest month with incidents."""
    with psycopg.connect(url) as conn:
        first, last = conn.execute("SELECT min(reported_at), max(reported_at) FROM incidents").fetchone()
    first, last = Month.of(first), Month.of(last)
    return [first, first.shift(5), last]


def _round(numerator: int, denominator: int, places: str) -> float | None:
    """numerator / denominator rounded half away from zero, as PostgreSQL's round(numeric) does."""
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def reference(url: str, level: str, month: Month, now: dt.datetime) -> dict[str, dict[str, object]]:
    """Per unit code of `level`: the figures of incidents reported in `month`, from the events alone."""
    with psycopg.connect(url) as conn:
        incidents = conn.execute(PER_INCIDENT).fetchall()
        grid_residents = dict(conn.execute(RESIDENTS).fetchall())
    units: dict[str, list[tuple]] = defaultdict(list)
    for row in incidents:
        reported, grid, department, co_departments, category = row[:5]
        if not month.start <= reported < month.end:
            continue
        if level in PREFIX:
            keys = [grid[:PREFIX[level]]] if grid else []
        elif level == "department":
            keys = sorted({department, *co_departments})
        else:
            keys = [category]
        for key in keys:
            units[key].append(row)
    out = {}
    for code, rows in units.items():
        n = len(rows)
        closed = [r for r in rows if r[6] is not None]
        rated = [r for r in closed if r[7] is not None]
        satisfied = sum(1 for r in rated if r[7])
        overdue = sum(1 for r in rows if (r[6] is None and r[8] < now) or (r[6] is not None and r[6] > r[8]))
        residents = sum(v for g, v in grid_residents.items() if g.startswith(code)) if level in PREFIX else None
        hours = [(r[6] - r[0]).total_seconds() / 3600 for r in closed]
        out[code] = {"incidents": n, "responded": sum(1 for r in rows if r[5]), "closed": len(closed),
                     "rated": len(rated), "satisfied": satisfied, "overdue": overdue,
                     "response_rate": _round(100 * sum(1 for r in rows if r[5]), n, "0.1"),
                     "resolution_rate": _round(100 * len(closed), n, "0.1"),
                     "satisfaction_rate": _round(100 * satisfied, len(rated), "0.1"),
                     "overdue_rate": _round(100 * overdue, n, "0.1"),
                     "median_hours_to_close": statistics.median(hours) if hours else None,
                     "residents": residents, "per_1000": _round(1000 * n, residents or 0, "0.01")}
    return out


@pytest.mark.parametrize("level", LEVELS)
def test_figures_equal_a_recomputation_from_the_events(client: TestClient, url: str, months: list[Month],
                                                       level: str) -> None:
    for month in months:
        now = dt.datetime.now(dt.UTC)
        answer = client.get("/figures", params={"month": str(month), "level": level})
        assert answer.status_code == 200, answer.text
        rows = {r["code"]: r for r in answer.json()}
        expected = reference(url, level, month, now)
        assert rows.keys() == expected.keys(), (level, month)  # every unit with incidents: the list is complete
        assert sum(r["incidents"] for r in rows.values()) >= 1
        for code, want in expected.items():
            got = rows[code]
            hours, wanted_hours = got.pop("median_hours_to_close"), want.pop("median_hours_to_close")
            assert {k: got[k] for k in want} == want, (level, month, code)
            assert (hours is None) == (wanted_hours is None) and (hours is None or abs(hours - wanted_hours) <= 0.05)
    histories = reference(url, "district", months[-1], dt.datetime.now(dt.UTC))
    row = next(iter(histories.values()))
    assert 0 < row["closed"] < row["incidents"] and 0 < row["overdue"] and 0 < row["rated"]  # the cases are varied


def test_per_month_rows_equal_the_months_asked_one_by_one(client: TestClient, months: list[Month]) -> None:
    first, last = months[0], months[-1]
    together = client.get("/figures", params={"level": "street", "per_month": "true",
                                               "start": first.start.isoformat(), "end": last.end.isoformat()}).json()
    for month in (first, months[1], last):
        alone = client.get("/figures", params={"level": "street", "month": str(month)}).json()
        assert [{k: v for k, v in r.items() if k != "month"} for r in together if r["month"] == str(month)] == alone


class _Cells(HTMLParser):
    """The dashboard's figures: (table level, unit code, figure) -> (data-value, link), and the key figures."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._level = self._code = self._figure = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "data-level" in a:
            self._level = a["data-level"]
        elif tag == "section" and a.get("id") == "key-figures":
            self._level, self._code = "district", "key"
        elif tag == "tr" and "data-code" in a:
            self._code = a["data-code"]
        elif tag in ("td", "div") and "data-figure" in a:
            self._figure, self._value = a["data-figure"], a["data-value"]
        elif tag == "a" and self._figure:
            self.cells[(self._level, self._code, self._figure)] = (self._value, a["href"])
            self._figure = None


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def test_the_dashboard_shows_the_figures_of_figures_and_links_to_their_incidents(client: TestClient, url: str,
                                                                                months: list[Month]) -> None:
    month = months[-1]
    page = client.get("/dashboard")  # the latest month with incidents by default
    assert page.status_code == 200 and f"{month.label}" in page.text
    parser = _Cells()
    parser.feed(page.text)
    cells = parser.cells
    figures = [f for f in LINKED_COUNT]
    district = client.get("/figures", params={"month": str(month), "level": "district"}).json()[0]
    for figure in figures:
        assert cells[("district", "key", figure)][0] == _shown(district[figure])
    rows = {level: client.get("/figures", params={"month": str(month), "level": level}).json()
            for level in ("street", "community", "grid", "department")}
    for level, level_rows in rows.items():
        shown = {code for (lv, code, _) in cells if lv == level}
        assert shown == {r["code"] for r in level_rows}, level
        for r in level_rows:
            for figure in figures:
                assert cells[(level, r["code"], figure)][0] == _shown(r[figure]), (level, r["code"], figure)
    hot = {code for (lv, code, _) in cells if lv == "hot-grid"}
    assert len(hot) == min(20, len(rows["grid"]))
    # Every link of the key figures, the streets and the departments selects exactly the incidents counted.
    with psycopg.connect(url) as conn:
        checked = 0
        for (level, code, figure), (_, href) in cells.items():
            if level not in ("district", "street", "department"):
                continue
            parts = urlsplit(href)
            assert parts.path == "/maps/incidents"
            chosen = IncidentFilter.from_query(parse_qs(parts.query))
            where, params = chosen.where(dt.datetime.now(dt.UTC), personal=False)
            found = conn.execute(psycopg.sql.SQL("SELECT count(*) FROM incidents AS i LEFT JOIN grids AS g "
                                                 "ON g.id = i.grid_id WHERE {}").format(where), params).fetchone()[0]
            row = district if level == "district" else next(r for r in rows[level] if r["code"] == code)
            assert found == row[LINKED_COUNT[figure]], (level, code, figure, href)
            checked += 1
    assert checked == 7 * (1 + len(rows["street"]) + len(rows["department"]))


def _charts(page: str) -> dict[str, object]:
    """The data the page's charts are drawn from (the JSON it embeds)."""
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S)[1])


@pytest.mark.parametrize("level", ["district", "street", "grid", "department"])
def test_the_trend_of_a_unit_is_its_figures_month_by_month(client: TestClient, months: list[Month], level: str) -> None:
    month = months[-1]
    rows = client.get("/figures", params={"month": str(month), "level": level}).json()
    code = max(rows, key=lambda r: (r["incidents"], r["code"]))["code"]
    page = client.get("/dashboard", params={"month": str(month), **({} if level == "district" else {"unit": code})})
    assert page.status_code == 200
    trend = _charts(page.text)["trend"]
    per_month = client.get("/figures", params={"level": level, "per_month": "true", "start": month.shift(-11).start.isoformat(),
                                                "end": month.end.isoformat()}).json()
    wanted = {r["month"]: r for r in per_month if r["code"] == code}
    assert trend["months"] == [str(month.shift(k)) for k in range(-11, 1)]
    for key in ("incidents", "per_1000", "response_rate", "resolution_rate", "satisfaction_rate", "overdue_rate"):
        assert trend[key] == [wanted[m][key] if m in wanted else (0 if key == "incidents" else None)
                              for m in trend["months"]], key
    if level != "district":
        assert f"趋势图为{rows[[r['code'] for r in rows].index(code)]['name']}" in page.text
        assert all(f"unit={quote(code)}" in link for link in trend["links"])


def test_pages_take_the_demo_accounts_bearer_tokens(client: TestClient, months: list[Month]) -> None:
    for token, base in (("demo-viewer", "/maps/incidents?"), ("demo-dispatcher", "/desk?"), ("demo-admin", "/desk?")):
        page = client.get("/dashboard", params={"month": str(months[1])}, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200 and months[1].label in page.text
        assert f'href="{base}' in page.text, token
    anonymous = client.get("/dashboard", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    browser = client.get("/dashboard", headers={"Authorization": "", "Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"].startswith("/login?next=%2Fdashboard")
    assert client.get("/reports/monthly", headers={"Authorization": ""}).status_code == 401
    assert client.get("/dashboard", headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("/dashboard", {"month": "2026-13"}, 400, "YYYY-MM"),
    ("/dashboard", {"month": "1999-12"}, 400, "2000"),
    ("/figures", {"month": "2026-1"}, 400, "YYYY-MM"),
    ("/figures", {"month": "2026-10", "start": "2026-10-01T00:00:00+08:00"}, 400, "不能同时"),
    ("/figures", {"start": "2026-10-01T00:00:00+08:00"}, 400, "同时给出"),
    ("/figures", {"start": "2026-10-02T00:00:00+08:00", "end": "2026-10-01T00:00:00+08:00"}, 400, "晚于"),
    ("/figures", {"level": "house"}, 422, ""),
    ("/reports/monthly", {"month": "2099-01"}, 404, "没有落入网格的事件"),
    ("/dashboard", {"unit": "140403999"}, 404, "没有编码或名称为“140403999”的街道"),
    ("/dashboard", {"unit": "没有这个部门"}, 404, "部门"),
    ("/reports/monthly", {"month": "十月"}, 400, "YYYY-MM"),
])
def test_bad_input_gets_a_clear_4xx(client: TestClient, path: str, params: dict, status: int, words: str) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert words in answer.text


def test_a_month_without_incidents_shows_an_empty_dashboard(client: TestClient) -> None:
    page = client.get("/dashboard", params={"month": "2024-01"})
    assert page.status_code == 200 and "2024年1月没有事件上报" in page.text
    assert client.get("/figures", params={"month": "2024-01", "level": "grid"}).json() == []
