"""The handling pipeline: transitions, audit trail, duplicates, queues and figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pyproj import Geod

from geo.incidents import desk, handling
from geo.incidents import intake as incidents
from geo.incidents.filters import IncidentFilter

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=TZ)
LON, LAT = 113.112355, 36.180603
STATES = ("受理", "办理", "反馈", "办结", "退回")
ACTIONS = ("办理", "反馈", "办结", "退回", "重新受理", "重新打开", "上报")
ALLOWED = {("受理", "办理"): "办理", ("受理", "退回"): "退回", ("办理", "反馈"): "反馈", ("办理", "退回"): "退回",
           ("反馈", "办结"): "办结", ("反馈", "重新打开"): "办理", ("退回", "重新受理"): "受理",
           ("办结", "重新打开"): "办理", ("受理", "上报"): "办理", ("办理", "上报"): "办理"}




def _new(conn, *, category: str = "CAT01", at: dt.datetime = T0, lon: float = LON, lat: float = LAT) -> int:
    incident_id, _ = incidents.submit(conn, incidents.IncidentIn("12345热线", category, at, lon=lon, lat=lat))
    return incident_id


def _act(conn, incident_id: int, action: str, **kw) -> str:
    """handling.act with the detail 反馈 and 上报 require."""
    extra = {"反馈": {"feedback_way": "电话反馈"},
             "上报": {"deadline": dt.datetime.now(dt.UTC) + dt.timedelta(days=3)}}.get(action, {})
    return handling.act(conn, incident_id, action, **extra, **kw)


def _put(conn, incident_id: int, status: str) -> None:
    conn.execute("UPDATE incidents SET status = %s WHERE id = %s", (status, incident_id))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table_is_exactly_the_documented_one(demo, state: str, action: str) -> None:
    incident_id = _new(demo)  # CAT01 is a 承诺件: no shortcut from 受理 to 办结
    _put(demo, incident_id, state)
    expected = ALLOWED.get((state, action))
    if expected is None:
        with pytest.raises(handling.IllegalTransition, match="可执行"):
            _act(demo, incident_id, action, actor="测试")
    else:
        assert _act(demo, incident_id, action, actor="测试") == expected


def test_on_the_spot_cases_close_at_once(demo) -> None:
    code = demo.execute("SELECT code FROM categories WHERE handling_type = '即办件' LIMIT 1").fetchone()[0]
    incident_id = _new(demo, category=code)
    assert handling.act(demo, incident_id, "办结", actor="网格员", satisfied=True) == "办结"


def test_audit_trail_and_reopening(demo) -> None:
    incident_id = _new(demo)
    for action in ("办理", "反馈"):
        _act(demo, incident_id, action, actor="网格员李四", note=f"{action}说明")
    handling.act(demo, incident_id, "办结", actor="调度员", satisfied=False)
    closed, satisfied, responded = demo.execute(
        "SELECT closed_at, satisfied, responded_at FROM incidents WHERE id = %s", (incident_id,)).fetchone()
    assert closed is not None and satisfied is False and responded is not None
    handling.act(demo, incident_id, "重新打开", actor="调度员", note="群众不满意")
    trail = handling.events(demo, incident_id)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("受理", None, "受理"), ("办理", "受理", "办理"), ("反馈", "办理", "反馈"), ("办结", "反馈", "办结"),
        ("重新打开", "办结", "办理")]
    assert trail[1]["actor"] == "网格员李四" and trail[-1]["note"] == "群众不满意"
    assert demo.execute("SELECT closed_at, satisfied FROM incidents WHERE id = %s", (incident_id,)).fetchone() == (
        None, None)


def _moved(metres: float) -> tuple[float, float]:
    lon, lat, _ = Geod(ellps="WGS84").fwd(LON, LAT, 90, metres)
    return lon, lat


@pytest.mark.parametrize("seed", range(12))
def test_duplicate_links_equal_a_brute_force_over_geodesic_distances(demo, seed: int) -> None:
    """Random reports crowded around one spot: each links to the earliest of its category within 50 m and 24 h."""
    rng = np.random.default_rng(seed)
    geod = Geod(ellps="WGS84")
    n = 60
    lons, lats, _ = geod.fwd(np.full(n, LON), np.full(n, LAT), rng.uniform(0, 360, n), rng.uniform(0, 120, n))
    hours = np.sort(rng.uniform(0, 72, n))
    categories = rng.choice(["CAT01", "CAT03"], n)
    ids = [_new(demo, category=str(c), at=T0 + dt.timedelta(hours=float(h)), lon=float(x), lat=float(y))
           for c, h, x, y in zip(categories, hours, lons, lats, strict=True)]
    links = dict(demo.execute("SELECT id, duplicate_of FROM incidents WHERE id = ANY(%s)", (ids,)).fetchall())
    assert sum(v is not None for v in links.values()) >= 5  # the case is not vacuous
    # Earlier reports of the demo stay out of reach: they are days before T0 or elsewhere.
    for k in range(n):
        earlier = [j for j in range(k) if categories[j] == categories[k] and hours[k] - hours[j] <= 24
                   and geod.inv(lons[j], lats[j], lons[k], lats[k])[2] <= 50]
        assert links[ids[k]] == (ids[earlier[0]] if earlier else None), f"report {k} of seed {seed}"


def test_possible_duplicates_are_linked_not_dropped(demo) -> None:
    first = _new(demo)
    near = _new(demo, at=T0 + dt.timedelta(hours=23), lon=_moved(45)[0], lat=_moved(45)[1])
    too_far = _new(demo, at=T0 + dt.timedelta(hours=1), lon=_moved(60)[0], lat=_moved(60)[1])
    too_late = _new(demo, at=T0 + dt.timedelta(hours=25), lon=_moved(-45)[0], lat=_moved(-45)[1])  # 90 m from `near`
    other_category = _new(demo, category="CAT03", at=T0 + dt.timedelta(hours=1))
    links = dict(demo.execute("SELECT id, duplicate_of FROM incidents WHERE id = ANY(%s)",
                              ([first, near, too_far, too_late, other_category],)).fetchall())
    assert links == {first: None, near: first, too_far: None, too_late: None, other_category: None}


def _queue(conn, due: str, now: dt.datetime, **kw) -> tuple[int, list[dict]]:
    found = desk.queue(conn, IncidentFilter(due=due), area="140403", personal=False, now=now, **kw)  # type: ignore[arg-type]
    return found.total, found.rows


def test_overdue_and_due_soon_queues(demo) -> None:
    hours = demo.execute("SELECT time_limit_hours FROM categories WHERE code = 'CAT01'").fetchone()[0]
    incident_id = _new(demo)
    deadline = T0 + dt.timedelta(hours=hours)
    soon_total, soon = _queue(demo, "soon", deadline - dt.timedelta(hours=2), limit=10_000)
    late_total, late = _queue(demo, "overdue", deadline + dt.timedelta(hours=3), limit=10_000)
    assert soon_total == len(soon) and late_total == len(late)  # the count is of the whole queue
    first_total, first = _queue(demo, "overdue", deadline + dt.timedelta(hours=3), limit=2, offset=1)
    assert first_total == late_total and first == late[1:3]
    assert incident_id in [r["id"] for r in soon] and incident_id in [r["id"] for r in late]
    assert [r for r in late if r["id"] == incident_id][0]["hours_left"] == -3
    before = _queue(demo, "overdue", deadline - dt.timedelta(hours=1), limit=10_000)[1]
    assert incident_id not in [r["id"] for r in before]


def test_figures_match_a_hand_count(demo) -> None:
    start = dt.datetime.now(TZ) - dt.timedelta(hours=1)  # closing happens now: keep deadlines ahead
    ids = [_new(demo, at=start + dt.timedelta(minutes=i)) for i in range(4)]
    for incident_id, satisfied in zip(ids[:2], (True, False), strict=True):
        for action in ("办理", "反馈"):
            _act(demo, incident_id, action, actor="网格员")
        handling.act(demo, incident_id, "办结", actor="调度员", satisfied=satisfied)
    handling.act(demo, ids[2], "办理", actor="网格员")
    grid = demo.execute("SELECT g.code FROM incidents i JOIN grids g ON g.id = i.grid_id WHERE i.id = %s",
                        (ids[0],)).fetchone()[0]
    rows = handling.figures(demo, "grid", start, start + dt.timedelta(hours=1))
    (row,) = [r for r in rows if r["code"] == grid]
    assert row["incidents"] == 4
    assert (float(row["response_rate"]), float(row["resolution_rate"]), float(row["satisfaction_rate"])) == (
        75.0, 50.0, 50.0)
    assert row["overdue"] == 0
    street = [r for r in handling.figures(demo, "street", start, start + dt.timedelta(hours=1))
              if grid.startswith(r["code"])]
    assert street[0]["incidents"] == 4
