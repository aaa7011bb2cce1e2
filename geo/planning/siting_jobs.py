"""Siting scenarios solved in the background: asked for from the page, followed by their progress.

A job is a row of `siting_jobs`: queued when asked for, running (with the step reached) while
solved, then done (with its scenario) or failed (with why). The job runs on its own
connection; its progress is written on another, committed at once, so whoever asks sees it
while the solve's transaction is still open. Only one siting solve runs at a time in the
whole database (the advisory lock of geo.db.jobs, shared with the API and the command line):
a job waits, queued, while another holds it. A job the server was running when it stopped is
marked failed when the next server starts, so nobody waits on it for ever.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable

import psycopg
from psycopg.rows import dict_row

from geo.accounts import audit
from geo.db import jobs
from geo.errors import Busy, NotFound, WanggeError
from geo.planning import _forced, scenarios

WAIT_POLL_S = 2.0      # how often a queued job tries the siting lock again
MAX_WAIT_S = 1800.0    # a job queued longer than this (another solve holds the lock) fails
STEP_TOTAL = 3         # the steps scenarios.run reports: coverage matrix, solve, store

_PUBLIC = ("id", "state", "step", "done", "total", "scenario_id", "error", "created_at", "started_at", "finished_at")


def submit(conn: psycopg.Connection, inputs: scenarios.ScenarioInputs, actor: str) -> int:
    """Record a queued job for `inputs` asked for by `actor`; its id. The caller commits.

    The forced codes are checked against the candidates layer now, so a typo is refused at once.
    """
    if inputs.candidates == "layer" and (inputs.force_in or inputs.force_out):
        known = {r[0] for r in conn.execute("SELECT code FROM candidates").fetchall()}
        _forced.check(known, inputs.force_in, inputs.force_out)
    return int(conn.execute(
        "INSERT INTO siting_jobs (inputs, created_by, total) VALUES (%s::jsonb, %s, %s) RETURNING id",
        (json.dumps(inputs.as_json(), ensure_ascii=False), actor, STEP_TOTAL)).fetchone()[0])


def read(conn: psycopg.Connection, job_id: int) -> dict[str, object]:
    """The job's state, progress (`done` of `total` steps, the last one named `step`) and result."""
    row = conn.cursor(row_factory=dict_row).execute(
        f"SELECT {', '.join(_PUBLIC)}, inputs->>'name' AS name FROM siting_jobs WHERE id = %s", (job_id,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{job_id}的选址任务")
    return row


def recent(conn: psycopg.Connection, limit: int = 20) -> list[dict[str, object]]:
    """The newest jobs, newest first."""
    return conn.cursor(row_factory=dict_row).execute(
        f"SELECT {', '.join(_PUBLIC)}, inputs->>'name' AS name FROM siting_jobs ORDER BY id DESC LIMIT %s",
        (limit,)).fetchall()


def interrupted(conn: psycopg.Connection) -> int:
    """Mark failed the jobs left queued or running by a server that stopped; how many. The caller commits."""
    return conn.execute(
        "UPDATE siting_jobs SET state = 'failed', error = '服务重启，任务中断，请重新提交', finished_at = now() "
        "WHERE state IN ('queued', 'running')").rowcount


def inputs_of(stored: dict[str, object]) -> scenarios.ScenarioInputs:
    """The ScenarioInputs a job stored (as `ScenarioInputs.as_json` wrote them)."""
    values = dict(stored)
    values["at"] = dt.time.fromisoformat(values["at"]) if values.get("at") else None
    values["force_in"], values["force_out"] = tuple(values.get("force_in", ())), tuple(values.get("force_out", ()))
    return scenarios.ScenarioInputs(**values)


def run(url: str, job_id: int) -> None:
    """Solve job `job_id` on a connection of its own to `url`; every outcome is written to the job's row."""
    with psycopg.connect(url, autocommit=True) as status:
        def mark(sql: str, *params: object) -> None:
            status.execute(f"UPDATE siting_jobs SET {sql} WHERE id = %s", (*params, job_id))

        try:
            stored = status.execute("SELECT inputs, created_by FROM siting_jobs WHERE id = %s", (job_id,)).fetchone()
            inputs, actor = inputs_of(stored[0]), stored[1]
            with psycopg.connect(url) as conn:
                _locked(conn, f"job{job_id}", mark, lambda: _solve(conn, inputs, actor, mark))
        except WanggeError as exc:
            mark("state = 'failed', error = %s, finished_at = now()", str(exc))
        except Exception as exc:  # noqa: BLE001 - a job must end in a state the page can show, whatever happened
            mark("state = 'failed', error = %s, finished_at = now()", f"内部错误（{type(exc).__name__}），请联系管理员")
            raise


def _locked(conn: psycopg.Connection, holder: str, mark: Callable[..., None], work: Callable[[], None]) -> None:
    """Run `work` holding the siting lock as `holder` (ASCII), waiting (queued, `step` says why) while
    another solve holds it."""
    waited = 0.0
    while True:
        try:
            with jobs.exclusive(conn, "siting", "选址求解", holder):
                work()
                return
        except Busy as exc:
            if waited >= MAX_WAIT_S:
                raise
            mark("step = %s", f"排队：{exc}")
            time.sleep(WAIT_POLL_S)
            waited += WAIT_POLL_S


def _solve(conn: psycopg.Connection, inputs: scenarios.ScenarioInputs, actor: str,
           mark: Callable[..., None]) -> None:
    mark("state = 'running', step = '读取数据', started_at = now()")
    scenario_id = scenarios.run(conn, inputs, progress=lambda step, done, total: mark(
        "step = %s, done = %s, total = %s", step, done, total))
    audit.record(conn, actor, "新建选址方案", f"方案{scenario_id}", {"name": inputs.name, "background": True})
    conn.commit()
    mark("state = 'done', scenario_id = %s, finished_at = now()", scenario_id)


def candidate_choices(conn: psycopg.Connection) -> list[dict[str, object]]:
    """Code, name and premises of every candidate site, by code: what a form may force in or out."""
    return conn.cursor(row_factory=dict_row).execute("SELECT code, name, kind FROM candidates ORDER BY code").fetchall()
