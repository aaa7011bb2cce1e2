"""Stored results recomputed at the same time take turns: none collides, one result is left."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from geo import map_data
from geo.walking import access, gaps, store
from geo.walking.access import ANY_KIND
from geo.walking.circles import DEFAULT_BUFFER_M, DEFAULT_SPEED_KMH, WalkParams


@pytest.fixture(scope="module")
def committed_demo(make_demo_database) -> str:
    url = make_demo_database("serialised")
    with psycopg.connect(url) as conn:
        access.recompute(conn)
        store.recompute(conn, WalkParams((15.0,), DEFAULT_SPEED_KMH, DEFAULT_BUFFER_M), workers=1)
        conn.commit()
    return url


def _concurrently(url: str, work, times: int = 4) -> list:
    def one(_: int):
        with psycopg.connect(url) as conn:
            result = work(conn)
            conn.commit()
            return result
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(one, range(times)))


def test_concurrent_gap_recomputes_leave_one_run(committed_demo: str) -> None:
    reports = _concurrently(committed_demo, lambda conn: gaps.recompute(conn))
    assert len({(r.buildings, r.hexagons, r.uncovered_residents) for r in reports}) == 1
    with psycopg.connect(committed_demo) as conn:
        runs = conn.execute("SELECT id FROM gap_runs").fetchall()
    assert [r[0] for r in runs] == [max(r.run_id for r in reports)]


def test_concurrent_access_and_ring_unions_take_turns(committed_demo: str) -> None:
    assert len(_concurrently(committed_demo, lambda conn: access.recompute(conn), times=2)) == 2
    with psycopg.connect(committed_demo) as conn:
        assert conn.execute("SELECT count(*) FROM access_runs").fetchone()[0] == 1
    _concurrently(committed_demo, lambda conn: map_data.store_ring_union(conn, kind=ANY_KIND, at=None, minutes=15))
    with psycopg.connect(committed_demo) as conn:
        assert conn.execute("SELECT count(*) FROM map_ring_unions").fetchone()[0] == 1
