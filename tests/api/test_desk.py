"""The desk's queue against a brute force over seeded random cases; scope; casework operations over HTTP
(bulk, placement, duplicates, photos on hostile input); pages by Bearer token; GETs write nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import numpy as np
import pandas as pd
import psycopg
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from geo.errors import OutOfScope
from geo.incidents import desk, handling, intake
from geo.incidents.filters import HANDLING_TYPES, SHANGHAI, STATUSES, IncidentFilter
from tests.api.clients import app_client, bearer

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DISTRICT = "140403"


@pytest.fixture(scope="module")
def url(make_demo_database) -> str:
    """A demo database with 400 seeded incidents in every state, some outside the district or without location."""
    url = make_demo_database("desk")
    rng = np.random.default_rng(20261206)
    with psycopg.connect(url) as conn:
        points = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
                              "WHERE system = '综合网格' ORDER BY code) AS s").fetchall()
        codes = sorted(intake.category_codes(conn))
        for k in range(400):
            lon, lat = points[int(rng.integers(len(points)))]
            if k % 40 == 0:
                lon, lat = lon + 0.5, lat  # far outside: no grid
            elif k % 40 == 1:
                lon = lat = None
            at = NOW - dt.timedelta(hours=float(rng.uniform(-24, 60 * 24)))
            channel = str(rng.choice(intake.CHANNELS))
            incident_id, _ = intake.submit(conn, intake.IncidentIn(
                channel, str(rng.choice(codes)), at, description=f"第{k}件 路灯 噪声"[: 4 + k % 7], lon=lon, lat=lat))
            steps = [("办理", {}), ("反馈", {"feedback_way": "电话反馈"}), ("办结", {"satisfied": bool(k % 5)})]
            for action, extra in steps[: int(rng.integers(0, 4))]:
                handling.act(conn, incident_id, action, actor="测试", at=at + dt.timedelta(hours=1), **extra)
        conn.commit()
    return url


@pytest.fixture(scope="module")
def table(url: str) -> pd.DataFrame:
    """Every incident with what the filters look at, by a plain query (the brute force's input)."""
    with psycopg.connect(url) as conn:
        cur = conn.execute(
            "SELECT i.id, i.status, i.deadline, i.closed_at, i.category_code, i.department, i.co_departments, "
            "i.handling_type, i.channel, g.code AS grid_code, i.reported_at, i.satisfied, i.grid_id, "
            "i.description, c.name AS category_name, g.name AS grid_name "
            "FROM incidents AS i LEFT JOIN grids AS g ON g.id = i.grid_id "
            "LEFT JOIN categories AS c ON c.code = i.category_code")
        frame = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
    for column in ("deadline", "closed_at", "reported_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _brute(t: pd.DataFrame, f: IncidentFilter, area: str) -> set[int]:
    keep = t.grid_code.fillna("").str.startswith(area) | (t.grid_id.isna() & (len(area) == 6))
    if f.status:
        keep &= t.status.isin(f.status)
    if f.open_only or f.due:
        keep &= t.status != "办结"
    if f.due == "overdue":
        keep &= t.deadline < NOW
    if f.due == "soon":
        keep &= (t.deadline >= NOW) & (t.deadline < NOW + dt.timedelta(hours=f.hours))
    if f.late:
        keep &= (t.closed_at.isna() & (t.deadline < NOW)) | (t.closed_at > t.deadline)
    for column, value in (("category_code", f.category), ("handling_type", f.handling_type), ("channel", f.channel)):
        if value is not None:
            keep &= t[column] == value
    if f.department is not None:
        keep &= (t.department == f.department) | t.co_departments.apply(lambda d: f.department in (d or []))
    if f.area is not None:
        keep &= t.grid_code.fillna("").str.startswith(f.area)
    local = t.reported_at.dt.tz_convert(SHANGHAI).dt.date
    if f.start is not None:
        keep &= local >= f.start
    if f.end is not None:
        keep &= local <= f.end
    if f.satisfied is not None:
        keep &= t.satisfied == f.satisfied
    if f.unplaced:
        keep &= t.grid_id.isna()
    if f.q is not None:
        q = f.q.lower()
        keep &= (t.id.astype(str) == f.q) | t.category_code.str.lower().str.contains(q, regex=False) | \
            t.description.fillna("").str.lower().str.contains(q, regex=False) | \
            t.category_name.fillna("").str.lower().str.contains(q, regex=False) | \
            t.grid_name.fillna("").str.lower().str.contains(q, regex=False) | \
            t.grid_code.fillna("").str.contains(q, regex=False) | \
            t.department.fillna("").str.lower().str.contains(q, regex=False)
    return set(t.id[keep])


def _random_filter(rng: np.random.Generator, t: pd.DataFrame) -> IncidentFilter:
    pick = lambda values: str(rng.choice(values)) if rng.random() < 0.18 else None  # noqa: E731
    days = sorted(rng.choice(pd.to_datetime(t.reported_at).dt.tz_convert(SHANGHAI).dt.date.unique(), 2))
    streets = sorted({c[:9] for c in t.grid_code.dropna()})
    return IncidentFilter(
        status=tuple(rng.choice(STATUSES, int(rng.integers(0, 3)), replace=False)) if rng.random() < 0.4 else (),
        open_only=bool(rng.random() < 0.2), due=pick(["overdue", "soon"]), hours=int(rng.integers(1, 200)),  # type: ignore[arg-type]
        late=bool(rng.random() < 0.2), category=pick(t.category_code.unique()),
        department=pick(t.department.dropna().unique()), handling_type=pick(HANDLING_TYPES),
        channel=pick(intake.CHANNELS), area=pick(streets), start=days[0] if rng.random() < 0.3 else None,
        end=days[1] if rng.random() < 0.3 else None, satisfied=bool(rng.random() < 0.5) if rng.random() < 0.2 else None,
        unplaced=bool(rng.random() < 0.1), q=pick(["路灯", "噪声", "第1", "CAT0"]))


@pytest.mark.parametrize("seed", range(40))
def test_queue_equals_a_brute_force(url: str, table: pd.DataFrame, seed: int) -> None:
    rng = np.random.default_rng(seed)
    filt = _random_filter(rng, table)
    area = DISTRICT if seed % 4 else sorted({c[:9] for c in table.grid_code.dropna()})[seed % 3]
    if filt.area and not (filt.area.startswith(area) or area.startswith(filt.area)):
        filt = IncidentFilter(**{**filt.__dict__, "area": None})
    with psycopg.connect(url) as conn:
        found = desk.queue(conn, filt, area=area, personal=True, sort="deadline", limit=10_000, now=NOW)
        page = desk.queue(conn, filt, area=area, personal=True, sort="-reported", limit=7, offset=3, now=NOW)
    expected = _brute(table, filt, area)
    assert {r["id"] for r in found.rows} == expected and found.total == len(expected), filt
    assert sum(found.by_status.values()) == found.total
    deadlines = [r["deadline"] for r in found.rows]
    assert deadlines == sorted(deadlines)
    newest = table[table.id.isin(expected)].sort_values(["reported_at", "id"], ascending=False).id.tolist()
    assert [r["id"] for r in page.rows] == newest[3:10] and page.total == len(expected)
    assert IncidentFilter.from_query(filt.query()) == filt  # links carry the filter exactly


def test_scope_keeps_other_streets_out(url: str, table: pd.DataFrame) -> None:
    street = sorted({c[:9] for c in table.grid_code.dropna()})[0]
    other = table[table.grid_code.notna() & ~table.grid_code.fillna("").str.startswith(street)].id.iloc[0]
    with psycopg.connect(url) as conn:
        rows = desk.queue(conn, IncidentFilter(), area=street, personal=False, limit=10_000, now=NOW).rows
        assert rows and all(r["grid_code"].startswith(street) for r in rows)
        with pytest.raises(OutOfScope):
            desk.check_scope(conn, int(other), street)
        with pytest.raises(OutOfScope):  # an incident on no grid is the district's
            desk.check_scope(conn, int(table[table.grid_id.isna()].id.iloc[0]), street)
        with pytest.raises(OutOfScope):
            desk.queue(conn, IncidentFilter(area=DISTRICT + "999"), area=street, personal=False)


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[TestClient]:
    with app_client(url, None) as test_client:
        yield test_client


def _writes(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM incident_events), (SELECT count(*) FROM audit_log)").fetchone()


def test_pages_take_bearer_tokens_and_write_nothing(client: TestClient, url: str, table: pd.DataFrame) -> None:
    incident_id = int(table.id.iloc[5])
    before = _writes(url)
    for path in ("/desk", "/desk?due=overdue&sort=-reported&limit=20&offset=20", f"/desk/incidents/{incident_id}",
                 "/m", f"/m/incidents/{incident_id}", "/incidents?queue=all&status=办理&limit=5"):
        roles = ("dispatcher", "admin") if path.startswith("/desk") else ("dispatcher", "grid_worker", "admin")
        for role in roles:
            assert client.get(path, headers=bearer(role)).status_code == 200, (path, role)
        assert client.get(path, headers=bearer("viewer")).status_code == 403
        assert client.get(path, headers={"Accept": "text/html"}, follow_redirects=False).status_code in (303, 401)
    assert _writes(url) == before
    assert "条件：未办结。" in client.get("/desk", headers=bearer("dispatcher")).text  # a bare desk: the open ones
    page = client.get("/desk?status=受理&limit=20", headers=bearer("dispatcher")).text
    assert "共 <b id=\"total\">" in page and "rel=\"next\"" in page
    assert client.get("/desk?status=完成", headers=bearer("dispatcher")).status_code == 400
    assert client.get("/desk?sort=evil", headers=bearer("dispatcher")).status_code == 400
    assert client.get("/desk?start=2026-13-01", headers=bearer("dispatcher")).status_code == 400
    worker = client.get(f"/m/incidents/{incident_id}", headers=bearer("grid_worker")).text
    assert "报告人" not in worker and "人工分派" not in worker


def _new(client: TestClient, k: int, **extra) -> int:
    body = {"request_id": f"DESK-{k}", "channel": "现场", "category_code": "CAT01",
            "reported_at": "2026-05-01T08:00:00+08:00", "lon": 113.112355, "lat": 36.180603, **extra}
    return client.post("/incidents", json=body, headers=bearer("dispatcher")).json()["id"]


def test_bulk_actions_report_each_incident(client: TestClient) -> None:
    ids = [_new(client, k) for k in range(3)]
    client.post(f"/incidents/{ids[2]}/actions", json={"action": "退回"}, headers=bearer("dispatcher"))
    answer = client.post("/incidents/actions", json={"ids": ids, "action": "办理", "note": "批量"},
                         headers=bearer("grid_worker"))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["applied"], body["refused"]) == (2, 1)
    assert [r["ok"] for r in body["results"]] == [True, True, False] and "退回" in body["results"][2]["error"]
    assert client.post("/incidents/actions", json={"ids": [], "action": "办理"},
                       headers=bearer("dispatcher")).status_code == 422
    assert client.post("/incidents/actions", json={"ids": ids[:2], "action": "反馈"},  # no feedback way
                       headers=bearer("dispatcher")).json()["refused"] == 2
    assert client.post(f"/incidents/{ids[0]}/actions", json={"action": "上报"},
                       headers=bearer("dispatcher")).status_code == 400
    deadline = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=2)).isoformat()
    escalated = client.post(f"/incidents/{ids[0]}/actions", json={"action": "上报", "deadline": deadline},
                            headers=bearer("dispatcher"))
    assert escalated.status_code == 200
    card = client.get(f"/desk/incidents/{ids[0]}", headers=bearer("dispatcher")).text
    assert "上报至" in card


def test_manual_placement_and_duplicates(client: TestClient, url: str) -> None:
    lost = _new(client, 10, lon=113.9, lat=36.9)  # far outside the district: on no grid
    with psycopg.connect(url) as conn:
        grid = conn.execute("SELECT code FROM grids WHERE system = '综合网格' ORDER BY code LIMIT 1").fetchone()[0]
    path = f"/incidents/{lost}/placement"
    assert client.post(path, json={"grid_code": grid, "reason": ""}, headers=bearer("dispatcher")).status_code == 422
    assert client.post(path, json={"grid_code": grid, "reason": "x"}, headers=bearer("grid_worker")).status_code == 403
    assert client.post(path, json={"grid_code": "140403999999001", "reason": "核实"},
                       headers=bearer("dispatcher")).status_code == 404
    placed = client.post(path, json={"grid_code": grid, "reason": "电话核实在本辖区"}, headers=bearer("dispatcher"))
    assert placed.status_code == 200 and placed.json()["assign_method"] == "manual"
    card = client.get(f"/incidents/{lost}", headers=bearer("dispatcher")).json()
    assert (card["grid_code"], card["assign_method"]) == (grid, "manual") and card["assign_distance_m"] > 1000
    trail = client.get(f"/incidents/{lost}/events", headers=bearer("dispatcher")).json()
    assert trail[-1]["action"] == "人工分派" and trail[-1]["note"] == "电话核实在本辖区"

    first, second = _new(client, 11), _new(client, 12)
    link = lambda a, b: client.post(f"/incidents/{a}/duplicate", json={"of": b}, headers=bearer("dispatcher"))  # noqa: E731
    assert link(second, first).status_code == 200
    assert client.get(f"/incidents/{second}", headers=bearer("dispatcher")).json()["duplicate_of"] == first
    assert link(first, second).status_code == 400  # a loop
    assert link(first, first).status_code == 400
    page = client.get(f"/desk/incidents/{first}", headers=bearer("dispatcher")).text
    assert f"/desk/incidents/{second}" in page and "疑似重复" in page
    assert link(second, None).status_code == 200
    assert client.get(f"/incidents/{second}", headers=bearer("dispatcher")).json()["duplicate_of"] is None


def _image(kind: str, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, kind)
    return out.getvalue()


def test_photos_are_images_for_staff_only(client: TestClient, url: str) -> None:
    incident_id = _new(client, 20)
    path = f"/incidents/{incident_id}/photos"
    send = lambda data, role="grid_worker", kind="image/jpeg": client.post(  # noqa: E731
        path, content=data, headers={**bearer(role), "Content-Type": kind})
    for hostile in (b"", b"<html><script>alert(1)</script></html>", _image("GIF"), b"\xff\xd8"):
        assert send(hostile).status_code == 400, hostile[:10]
    assert send(_image("JPEG"), role="viewer").status_code == 403
    assert client.post(path, content=_image("JPEG")).status_code == 401
    assert send(b"\xff\xd8\xff" + bytes(8 * 1024 * 1024)).status_code == 413
    stored = [send(_image(kind), kind="application/octet-stream") for kind in ("JPEG", "PNG", "WEBP")]
    assert [r.status_code for r in stored] == [201, 201, 201]
    photo = client.get(stored[1].json()["href"], headers=bearer("dispatcher"))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.headers["cache-control"] == "private, no-store" and photo.content == _image("PNG")
    assert client.get(stored[1].json()["href"], headers=bearer("viewer")).status_code == 403
    assert client.get(stored[1].json()["href"]).status_code == 401
    assert client.get(f"/incidents/{incident_id}/photos/999999", headers=bearer("dispatcher")).status_code == 404
    public = client.get(f"/open311/v2/requests/{incident_id}.json").text
    assert "photos" not in public and stored[0].json()["href"] not in public
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT photo_count FROM incidents WHERE id = %s", (incident_id,)).fetchone()[0] == 3
        assert conn.execute("SELECT to_regclass('reader.incident_photos')").fetchone()[0] is None


def test_random_filters_are_not_vacuous(table: pd.DataFrame) -> None:
    """Most seeded filters of the brute-force comparison select some incidents, but not all of them."""
    sizes = [len(_brute(table, _random_filter(np.random.default_rng(seed), table), DISTRICT)) for seed in range(40)]
    assert sum(0 < s < len(table) for s in sizes) >= 20, sizes
