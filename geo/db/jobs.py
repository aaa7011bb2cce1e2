"""One recomputation of a kind at a time: a session advisory lock, tried, never waited for.

A second request for the same kind is refused (Busy, 409) naming who runs the first and since
when: the holder's connection carries that in its application_name while it holds the lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from geo.clock import CHINA_TZ
from geo.errors import Busy

_HOLDER = """
SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext(%s)::bigint & 4294967295)::oid
  AND a.pid <> pg_backend_pid()
LIMIT 1
"""


@contextmanager
def exclusive(conn: psycopg.Connection, kind: str, label: str, actor: str) -> Iterator[None]:
    """Hold the lock of job `kind` (e.g. "circles") while the block runs; Busy if another session holds it.

    `label` names the job in Chinese for the message; `actor` is the (ASCII) user name.
    """
    key = f"wangge:job:{kind}"
    got = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]
    if not got:
        row = conn.execute(_HOLDER, (key,)).fetchone()
        conn.rollback()
        who, _, since = (row[0] if row else "").partition("@")
        holder = f"{who}于{since}开始" if since else "另一请求"
        raise Busy(f"{label}正在进行中（{holder}），请等其完成后再试", holder=holder)
    # application_name is ASCII only (PostgreSQL turns the rest into '?'): the user name and the time.
    since = dt.datetime.now(CHINA_TZ).strftime("%H:%M")
    conn.execute("SELECT set_config('application_name', %s, false)", (f"{actor}@{since}"[:63],))
    conn.commit()
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s)), set_config('application_name', '', false)", (key,))
            conn.commit()
