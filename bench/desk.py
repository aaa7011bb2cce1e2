"""The dispatcher's desk on the demo's year of incidents: server time of the queue page with filters.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. .venv/bin/python -m bench.desk [--repeat 20]

Issue #16: "The desk's queue page for the demo's year with filters: p95 ≤ 300 ms server time."
A throwaway database holds the demo district, its ~31,000 good hotline rows and their handling
history (bench/demo_year.py, as `make data` loads them). The app runs in this process and is asked
through Starlette's TestClient (ASGI, no network) with a district dispatcher's Bearer token: the
figure is the server's time to answer the whole HTML page (SQL, rendering), per view. Views: what a
dispatcher opens in a day (the default open queue, overdue, due within 24 h, one street and
category, a month's closed ones, a text search, a department's late ones, the last page of the
whole year) and the same queue as JSON (GET /incidents). Also the incident page of random incidents.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import psycopg
from fastapi.testclient import TestClient

from bench import network as netgen
from bench.demo_year import demo_year

TARGET_MS = 300.0


def views(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(label, path) of the desk views timed, with values drawn from the database."""
    street, category = conn.execute(
        "SELECT left(g.code, 9), i.category_code FROM incidents AS i JOIN grids AS g ON g.id = i.grid_id "
        "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1").fetchone()
    department = conn.execute("SELECT department FROM incidents GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    return [("open queue (default)", "/desk?open=1"), ("overdue, by deadline", "/desk?due=overdue"),
            ("due within 24 h", "/desk?due=soon&hours=24"),
            ("one street, one category, newest first", f"/desk?area={street}&category={category}&sort=-reported"),
            ("closed in October, satisfied=false", "/desk?status=办结&start=2026-10-01&end=2026-10-31&satisfied=false"),
            ("text search", "/desk?q=噪声"), ("a department's late ones", f"/desk?department={department}&late=1"),
            ("whole year, last page of 200", f"/desk?limit=200&offset={(total - 1) // 200 * 200}"),
            ("JSON: GET /incidents?queue=all&status=办理", "/incidents?queue=all&status=办理&limit=100")]


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    """Server times (s) of `repeat` requests of `path`, after one warm-up."""
    assert client.get(path).status_code == 200, path
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200, path
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    from api.app import create_app
    from bench.intake import bench_token
    from geo.settings import DatabaseSettings

    print(f"bench.desk  load average {netgen.loadavg()}")
    with demo_year("desk") as url:
        token = bench_token(url)
        with psycopg.connect(url) as conn:
            chosen = views(conn)
            total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
            ids = [r[0] for r in conn.execute("SELECT id FROM incidents ORDER BY id")]
        every: list[float] = []
        with TestClient(create_app(DatabaseSettings(url=url)), headers={"Authorization": f"Bearer {token}"}) as client:
            print(f"desk views over {total:,} incidents, {args.repeat} requests each (ms):")
            for label, path in chosen:
                t = np.array(timed(client, path, args.repeat)) * 1000
                every += list(t)
                print(f"  {label:<44} p50 {np.percentile(t, 50):7.1f}  p95 {np.percentile(t, 95):7.1f}")
            rng = np.random.default_rng(args.seed)
            pages = np.array([timed(client, f"/desk/incidents/{int(i)}", 1)[0]
                              for i in rng.choice(ids, args.repeat, replace=False)]) * 1000
            print(f"  {'incident page, random incidents':<44} p50 {np.percentile(pages, 50):7.1f}  "
                  f"p95 {np.percentile(pages, 95):7.1f}")
        p95 = float(np.percentile(every, 95))
        print(f"  queue views together: p95 {p95:.1f} ms; target p95 ≤ {TARGET_MS:g} ms: "
              f"{'met' if p95 <= TARGET_MS else 'NOT met'}")
    print(f"load average after {netgen.loadavg()}")


if __name__ == "__main__":
    main()
