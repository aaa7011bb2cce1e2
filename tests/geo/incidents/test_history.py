"""Handling-history import: checked row by row, equal to applying the steps one at a time, idempotent; the
demo's figures a district would recognise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
from psycopg.rows import dict_row

from geo.db import status
from geo.errors import ImportRejected
from geo.incidents import handling
from geo.incidents.history_import import import_history

CHINA = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2026, 11, 1, 9, tzinfo=CHINA)  # data/demo_city/history.py: nothing happens later
YEAR_START = dt.datetime(2025, 11, 1, tzinfo=CHINA)
# The transition table of migrations 0004 and 0012, written out again: (state, action) → state.
TRANSITIONS = {("受理", "办理"): "办理", ("受理", "办结"): "办结", ("受理", "退回"): "退回", ("办理", "反馈"): "反馈",
               ("办理", "退回"): "退回", ("反馈", "办结"): "办结", ("反馈", "重新打开"): "办理",
               ("退回", "重新受理"): "受理", ("办结", "重新打开"): "办理", ("受理", "上报"): "办理", ("办理", "上报"): "办理"}
STATE = ("status", "responded_at", "closed_at", "satisfied", "feedback_way", "escalated_to", "escalated_at",
         "deadline")
SAMPLE_PER_KIND, SAMPLE_RANDOM = 4, 16


@pytest.fixture(scope="module")
def history_url(make_demo_database) -> str:
    """The demo as `make data` loads it: layers, incidents, their handling history."""
    return make_demo_database("history", history=True)


@pytest.fixture(scope="module")
def incidents_url(make_demo_database) -> str:
    """The demo with its incidents, all still at 受理."""
    return make_demo_database("history_ref", incidents=True)


@pytest.fixture
def fresh(incidents_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the incidents-only demo; every change is rolled back."""
    with psycopg.connect(incidents_url) as connection:
        connection.execute("SELECT 1")
        yield connection
        connection.rollback()


@pytest.fixture(scope="module")
def steps(demo_dir: Path) -> pd.DataFrame:
    return pd.read_csv(demo_dir / "incident_history.csv", dtype=str, keep_default_na=False)


def _time(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _sample(steps: pd.DataFrame) -> list[str]:
    """Seeded: a few incidents with each rarer step (return, reopening, escalation, co-handling, direct
    closure), some still open at AS_OF (reopened ones among them), plus random ones."""
    rng = np.random.default_rng(16)
    chosen: set[str] = set()
    actions = steps.groupby("request_id").action
    direct, still_open = actions.first() == "办结", actions.last() != "办结"
    reopened = actions.agg(lambda a: "重新打开" in set(a))
    pools = [steps.request_id[steps.action == a].unique() for a in ("退回", "重新打开", "上报")]
    pools += [steps.request_id[steps.co_departments != ""].unique(), direct.index[direct].to_numpy(),
              still_open.index[still_open].to_numpy(), still_open.index[still_open & reopened].to_numpy()]
    for pool in pools:
        chosen |= set(rng.choice(np.sort(pool), min(SAMPLE_PER_KIND, len(pool)), replace=False))
    everyone = np.sort(steps.request_id.unique())
    chosen |= set(rng.choice(everyone, SAMPLE_RANDOM, replace=False))
    return sorted(chosen)


def _state_and_events(conn: psycopg.Connection, request_ids: list[str]) -> dict[str, tuple]:
    rows = conn.cursor(row_factory=dict_row).execute(
        f"SELECT id, request_id, {', '.join(STATE)} FROM incidents WHERE request_id = ANY(%s)", (request_ids,))
    out = {}
    for row in rows.fetchall():
        events = [(e["at"], e["actor"], e["action"], e["from_status"], e["to_status"], e["note"],
                   {k: v for k, v in e["detail"].items() if k != "co_departments"})
                  for e in handling.events(conn, row["id"])]
        out[row["request_id"]] = (tuple(row[c] for c in STATE), events)
    return out


def test_bulk_import_equals_the_steps_applied_one_by_one(history_url: str, fresh: psycopg.Connection,
                                                         steps: pd.DataFrame) -> None:
    sample = _sample(steps)
    with psycopg.connect(history_url) as conn:
        bulk = _state_and_events(conn, sample)
        co = dict(conn.execute("SELECT request_id, co_departments FROM incidents WHERE request_id = ANY(%s)",
                               (sample,)).fetchall())
    ids = dict(fresh.execute("SELECT request_id, id FROM incidents WHERE request_id = ANY(%s)", (sample,)).fetchall())
    mine = steps[steps.request_id.isin(sample)]
    for step in mine.itertuples():
        handling.act(fresh, ids[step.request_id], step.action, actor=step.actor, note=step.note,
                     satisfied={"true": True, "false": False}.get(step.satisfied),
                     feedback_way=step.feedback_way or None, deadline=_time(step.deadline), at=_time(step.at))
    assert _state_and_events(fresh, sample) == bulk
    named = mine[mine.co_departments != ""].groupby("request_id").co_departments.last().str.split("、")
    assert {r: list(named.get(r, [])) for r in sample} == co
    assert len(named) >= SAMPLE_PER_KIND


def _replayed(rows: list[dict], events: list[dict]) -> dict[int, dict]:
    """Brute force: each incident's columns as its audit trail says they must be."""
    trail: dict[int, list[dict]] = {}
    for event in events:
        trail.setdefault(event["incident_id"], []).append(event)
    expected = {}
    for row in rows:
        mine = trail[row["id"]]
        assert mine[0]["action"] == "受理" and mine[0]["at"] == row["received_at"]
        for before, event in zip(mine, mine[1:], strict=False):
            assert event["from_status"] == before["to_status"] and event["at"] >= before["at"]
            assert TRANSITIONS[(event["from_status"], event["action"])] == event["to_status"]
        last = mine[-1]
        closed = last["to_status"] == "办结"
        left = [e for e in mine if e["from_status"] == "受理"]
        feedback = [e for e in mine if e["action"] == "反馈"]
        escalated = [e for e in mine if e["action"] == "上报"]
        expected[row["id"]] = {
            "status": last["to_status"], "responded_at": left[0]["at"] if left else None,
            "closed_at": last["at"] if closed else None,
            "satisfied": last["detail"].get("satisfied") if closed else None,
            "feedback_way": feedback[-1]["detail"]["feedback_way"] if feedback else None,
            "escalated_to": row["street_code"] if escalated else None,
            "escalated_at": escalated[-1]["at"] if escalated else None,
            "deadline": _time(escalated[-1]["detail"]["deadline"]) if escalated else row["first_deadline"]}
    return expected


def test_every_incident_equals_the_replay_of_its_events(history_url: str, steps: pd.DataFrame) -> None:
    with psycopg.connect(history_url) as conn:
        cur = conn.cursor(row_factory=dict_row)
        rows = cur.execute(f"""
            SELECT i.id, i.received_at, co.street_code, {', '.join('i.' + c for c in STATE)},
                   i.reported_at + make_interval(hours => c.time_limit_hours) AS first_deadline
            FROM incidents AS i JOIN categories AS c ON c.code = i.category_code
            LEFT JOIN grids AS g ON g.id = i.grid_id LEFT JOIN communities AS co ON co.code = g.community_code
        """).fetchall()
        events = cur.execute("SELECT incident_id, at, action, from_status, to_status, detail FROM incident_events "
                             "ORDER BY incident_id, at, id").fetchall()
    expected = _replayed(rows, events)
    assert [row["id"] for row in rows if {c: row[c] for c in STATE} != expected[row["id"]]] == []
    assert len(events) == len(rows) + len(steps)


def test_the_figures_are_those_of_a_real_district(history_url: str) -> None:
    with psycopg.connect(history_url) as conn:
        streets = handling.figures(conn, "street", YEAR_START, AS_OF, now=AS_OF)
        summary = status.summary(conn)
        total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        late_open = conn.execute("SELECT count(*) FROM incidents WHERE status <> '办结' AND deadline < %s",
                                 (AS_OF,)).fetchone()[0]
    assert len(streets) == 10
    for unit in streets:
        assert 97 <= unit["response_rate"] <= 100 and 97 <= unit["resolution_rate"] < 100, unit
        assert 88 <= unit["satisfaction_rate"] <= 96, unit
        assert 0.02 <= unit["overdue"] / unit["incidents"] <= 0.10, unit
        assert 12 <= unit["median_hours_to_close"] <= 72, unit
    # The front page: the last days are open in several states, a few of them already overdue.
    assert 0.002 * total <= summary["open_incidents"] <= 0.02 * total
    assert 0 < late_open < summary["open_incidents"]


def test_importing_the_same_history_again_adds_nothing(history_url: str, demo_dir: Path) -> None:
    with psycopg.connect(history_url) as conn:
        before = conn.execute("SELECT count(*), max(id) FROM incident_events").fetchone()
        report = import_history(conn, demo_dir / "incident_history.csv")
        assert (report.incidents, report.events, report.skipped) == (0, 0, [])
        assert report.already_present == conn.execute(
            "SELECT count(DISTINCT incident_id) FROM incident_events WHERE action <> '受理'").fetchone()[0]
        assert conn.execute("SELECT count(*), max(id) FROM incident_events").fetchone() == before
        conn.rollback()


def _write(path: Path, rows: list[str], header: str = "request_id,at,actor,action,note,feedback_way,satisfied,"
                                                     "deadline,co_departments") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _pick(conn: psycopg.Connection, handling_type: str, k: int) -> list[tuple[str, dt.datetime]]:
    return conn.execute("SELECT request_id, received_at FROM incidents WHERE handling_type = %s AND grid_id IS NOT NULL "
                        "ORDER BY id LIMIT %s", (handling_type, k)).fetchall()


def test_bad_rows_are_named_and_good_rows_only_skips_whole_incidents(fresh: psycopg.Connection,
                                                                      tmp_path: Path) -> None:
    (a, ra), (b, rb), (c, rc), (d, rd), (e, re_) = _pick(fresh, "承诺件", 5)

    def at(received: dt.datetime, hours: float) -> str:
        return (received + dt.timedelta(hours=hours)).astimezone(CHINA).isoformat()

    rows = [
        f"{a},{at(ra, 1)},城市管理局,办理,,,,,",                       # 2: good
        f"{a},{at(ra, 5)},城市管理局,反馈,,即时反馈,,,",               # 3: good
        f"{a},{at(ra, 6)},调度员,办结,回访满意,,true,,",               # 4: good
        f"{b},{at(rb, 1)},调度员,办结,,,true,,",                      # 5: 承诺件 cannot close from 受理
        f"{c},{at(rc, -1)},城市管理局,办理,,,,,",                     # 6: before 受理
        f"{d},{at(rd, 1)},城市管理局,办理,,,,,",                      # 7: good, but its incident has a bad row
        f"{d},{at(rd, 2)},城市管理局,反馈,,短信反馈,,,",               # 8: unknown feedback way
        f"{e},{at(re_, 1)},网格员,上报,,,,{at(re_, 24 * 100)},",       # 9: deadline beyond 90 days
        f"{e},{at(re_, 0.5)},城市管理局,反馈,,电话反馈,,,",             # 10: (not judged: the incident is already bad)
        f"REQ-none,{at(ra, 1)},调度员,办理,,,,,",                       # 11: no such incident
        f"{a},明天,调度员,办理,,,maybe,,气象局",                        # 12: time, satisfaction, department
    ]
    path = _write(tmp_path / "history.csv", rows)
    count = fresh.execute("SELECT count(*) FROM incident_events").fetchone()[0]
    with pytest.raises(ImportRejected) as err:
        import_history(fresh, path)
    assert fresh.execute("SELECT count(*) FROM incident_events").fetchone()[0] == count
    named = [(p.row, p.field) for p in err.value.problems]
    assert named == [(5, "action"), (6, "at"), (8, "feedback_way"), (9, "deadline"), (11, "request_id"),
                     (12, "at"), (12, "co_departments"), (12, "satisfied")]
    assert "可执行：上报、办理、退回" in str(err.value.problems[0])
    report = import_history(fresh, path, good_rows_only=True)
    assert report.skipped_incidents == sorted([a, b, c, d, e, "REQ-none"])  # a: row 12 is bad, so a is skipped
    assert (report.incidents, report.events) == (0, 0)
    report = import_history(fresh, _write(tmp_path / "good.csv", rows[:3] + rows[5:6]), good_rows_only=True)
    assert (report.incidents, report.events, report.skipped_incidents) == (2, 4, [])
    state = fresh.execute("SELECT status, satisfied, feedback_way FROM incidents WHERE request_id = %s",
                          (a,)).fetchone()
    assert state == ("办结", True, "即时反馈")


@pytest.mark.parametrize(("header", "text"), [("request_id,at,actor", "缺少必需字段：action"),
                                              ("request_id,at,actor,action,handler_phone", "未知字段：handler_phone")])
def test_columns_are_checked_first(fresh: psycopg.Connection, tmp_path: Path, header: str, text: str) -> None:
    with pytest.raises(ImportRejected) as err:
        import_history(fresh, _write(tmp_path / "h.csv", [], header))
    assert text in str(err.value)
