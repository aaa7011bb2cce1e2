"""Seeded random handling histories for the figures' tests and benchmark, played through handling.act.

`play` walks each incident through the transition table at random (accept, handle, escalate to the
street with a new deadline, feed back, close with or without satisfaction, reopen, return and
re-accept), each step some hours after the one before (exponential, a fraction of the category's time
limit, so that some close late and some stay open past their deadline), none after `until`. Some
incidents get co-handling departments. `demo_database_with_history` builds (once per session) a demo
database holding a seeded sample of the demo's incidents with such histories.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import psycopg

from geo.incidents import csv_import, handling

ACTOR = "测试"
# Next action from each state, with weights; None stops the history there.
STEPS: dict[str, tuple[tuple[str | None, float], ...]] = {
    "受理": (("办理", 0.55), ("上报", 0.05), ("退回", 0.07), ("办结", 0.2), (None, 0.13)),
    "办理": (("反馈", 0.65), ("上报", 0.08), ("退回", 0.05), (None, 0.22)),
    "反馈": (("办结", 0.75), ("重新打开", 0.08), (None, 0.17)),
    "办结": (("重新打开", 0.05), (None, 0.95)),
    "退回": (("重新受理", 0.4), (None, 0.6)),
}
DIRECT_CLOSE = ("即办件", "告知件")  # may close straight from 受理
MAX_STEPS = 12
CO_HANDLED_SHARE = 0.1
SAMPLE_SEED = 16
HISTORY_SEED = 2026
_BUILT: dict[str, str] = {}


def play(conn: psycopg.Connection, incident_ids: list[int], *, seed: int, until: dt.datetime) -> int:
    """Give each incident a random history from its state (acts dated after its report, none after `until`); the number of
    actions taken. Also sets co-handling departments on about CO_HANDLED_SHARE of them. The caller commits."""
    rng = np.random.default_rng(seed)
    rows = conn.execute(
        "SELECT i.id, i.status, i.reported_at, i.handling_type, c.time_limit_hours, c.department FROM incidents AS i "
        "JOIN categories AS c ON c.code = i.category_code WHERE i.id = ANY(%s) ORDER BY i.id",
        (incident_ids,)).fetchall()
    departments = [r[0] for r in conn.execute("SELECT DISTINCT department FROM categories ORDER BY 1")]
    taken = 0
    for incident_id, state, at, handling_type, limit_hours, department in rows:
        for _ in range(MAX_STEPS):
            choices = [(a, w) for a, w in STEPS[state]
                       if not (state == "受理" and a == "办结" and handling_type not in DIRECT_CLOSE)]
            weights = np.array([w for _, w in choices])
            action = choices[rng.choice(len(choices), p=weights / weights.sum())][0]
            at = at + dt.timedelta(hours=float(rng.exponential(0.4 * limit_hours)) + 0.05)
            if action is None or at > until:
                break
            extra: dict[str, object] = {}
            if action == "反馈":
                extra["feedback_way"] = str(rng.choice(handling.FEEDBACK_WAYS))
            elif action == "办结":
                extra["satisfied"] = [True, False, None][rng.choice(3, p=[0.7, 0.2, 0.1])]
            elif action == "上报":
                extra["deadline"] = at + dt.timedelta(hours=float(rng.uniform(6, 240)))
            state = handling.act(conn, incident_id, action, actor=ACTOR, at=at, **extra)
            taken += 1
        if rng.random() < CO_HANDLED_SHARE:
            others = [d for d in departments if d != department]
            chosen = rng.choice(others, size=int(rng.integers(1, 3)), replace=False)
            conn.execute("UPDATE incidents SET co_departments = %s WHERE id = %s", (list(map(str, chosen)), incident_id))
    return taken


def import_sample(conn: psycopg.Connection, demo_dir: Path, *, rows: int, seed: int = SAMPLE_SEED) -> list[int]:
    """A seeded sample of `rows` lines of the demo's incidents.csv, imported (good rows); their ids."""
    lines = (demo_dir / "incidents.csv").read_bytes().splitlines(keepends=True)
    chosen = np.sort(np.random.default_rng(seed).choice(len(lines) - 1, size=rows, replace=False)) + 1
    csv_import.import_csv(conn, io.BytesIO(lines[0] + b"".join(lines[i] for i in chosen)), name="incidents.csv",
                          good_rows_only=True)
    request_ids = [line.split(b",", 1)[0].decode() for line in (lines[i] for i in chosen)]
    return [r[0] for r in conn.execute("SELECT id FROM incidents WHERE request_id = ANY(%s) ORDER BY id",
                                       (request_ids,))]


def demo_database_with_history(make_demo_database, demo_dir: Path, *, rows: int = 1500) -> str:
    """A demo database (built once per session) with `rows` sampled incidents, each with a seeded history
    ending before the last incident's report, and the demo accounts (demo-viewer, demo-dispatcher, …)."""
    if "history" not in _BUILT:
        from data import demo_accounts

        url = make_demo_database("history")
        with psycopg.connect(url) as conn:
            ids = import_sample(conn, demo_dir, rows=rows)
            last = conn.execute("SELECT max(reported_at) FROM incidents").fetchone()[0]
            play(conn, ids, seed=HISTORY_SEED, until=last + dt.timedelta(days=20))
            demo_accounts.create(conn)
            conn.commit()
        _BUILT["history"] = url
    return _BUILT["history"]
