"""The leader's dashboard and the monthly report: server time against their targets.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. .venv/bin/python -m bench.dashboard [--repeat 3] [--reports 3]

Issue #16: "Speed (bench/): the dashboard ≤ 1 s; the monthly PDF ≤ 10 s."

On a throwaway database holding the generated demo district as `make data` loads it (layers, the
year's incidents with good rows only, their handling history), through the app in process (ASGI
TestClient, a viewer's token, to the last byte):

1. `GET /dashboard?month=…` for each of the twelve months, `--repeat` times (after one warm-up
   request): p50, p95 and max, with the split of one request into gathering the figures
   (`figures.overview`, 7 SQL statements) and rendering the page; the page's size raw and gzipped.
2. `GET /figures?level=grid&month=…` for the twelve months: p50 and p95 (the table the dashboard
   shows at its largest).
3. `GET /reports/monthly?month=…`: the first request of the process (it builds the walking graph for
   the coverage map) and then `--reports` months: each time, split into gathering and drawing.
4. `wangge report --month …` as a user runs it: a new process, imports included (wall time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from fastapi.testclient import TestClient

from bench import network as netgen

TARGET_DASHBOARD_S = 1.0
TARGET_REPORT_S = 10.0
SEED = 20261122


def timed(client: TestClient, path: str, params: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    answer = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, f"{path} {params}: {answer.status_code} {answer.text[:200]}"
    return elapsed, answer.content


def spread(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return (f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   max {ms.max():7.1f} ms"
            f"   (n = {len(ms)})")


def verdict(value_s: float, target_s: float) -> str:
    return f"{value_s:.2f} s against ≤ {target_s:g} s: {'met' if value_s <= target_s else 'NOT met'}"


def load_demo(url: str, demo: Path) -> None:
    """Layers, incidents (good rows) and their handling history, as `make data` loads them."""
    from geo.incidents.csv_import import import_csv
    from geo.incidents.history_import import import_history
    from geo.layers.loader import LoadOptions, load_directory

    with psycopg.connect(url) as conn:
        load_directory(conn, demo, LoadOptions())
        import_csv(conn, demo / "incidents.csv", good_rows_only=True)
        import_history(conn, demo / "incident_history.csv")
        conn.commit()


def dashboards(client: TestClient, url: str, months: list[str], repeat: int) -> None:
    from geo.incidents import figures
    from web import dashboard

    timed(client, "/dashboard", {"month": months[-1]})  # warm-up: first request of the app
    times, sizes = [], []
    for _ in range(repeat):
        for month in months:
            elapsed, body = timed(client, "/dashboard", {"month": month})
            times.append(elapsed)
            sizes.append((len(body), len(gzip.compress(body))))
    latest = figures.Month.parse(months[-1])
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        data = figures.overview(conn, latest)
        gathered = time.perf_counter() - started
    started = time.perf_counter()
    dashboard.page(data, title="bench", incidents_url="/maps/incidents", on_record=None, now=dt.datetime.now(dt.UTC))
    rendered = time.perf_counter() - started
    raw, packed = np.mean([s[0] for s in sizes]), np.mean([s[1] for s in sizes])
    print(f"GET /dashboard, {len(months)} months × {repeat}: {spread(times)}")
    print(f"  one request of {latest}: figures gathered in {1000 * gathered:.0f} ms, page rendered in "
          f"{1000 * rendered:.0f} ms; page {raw / 1e6:.2f} MB, {packed / 1e3:.0f} kB gzipped")
    print(f"  target p95 {verdict(float(np.percentile(times, 95)), TARGET_DASHBOARD_S)}")
    grid_times = [timed(client, "/figures", {"level": "grid", "month": m})[0] for m in months]
    print(f"GET /figures?level=grid, {len(months)} months: {spread(grid_times)}")


def reports(client: TestClient, url: str, months: list[str], count: int) -> None:
    from geo.incidents import report
    from geo.incidents.figures import Month
    from web import report_pdf

    first, _ = timed(client, "/reports/monthly", {"month": months[-1]})
    print(f"GET /reports/monthly, first request of the process (walking graph built): {first:.2f} s")
    for month in months[-count:]:
        elapsed, body = timed(client, "/reports/monthly", {"month": month})
        with psycopg.connect(url) as conn:
            started = time.perf_counter()
            content = report.gather(conn, Month.parse(month))
            gathered = time.perf_counter() - started
        started = time.perf_counter()
        report_pdf.render(content)
        drawn = time.perf_counter() - started
        print(f"  {month}: {elapsed:.2f} s ({len(body) / 1e3:.0f} kB), of which gathered {gathered:.2f} s, "
              f"drawn {drawn:.2f} s")
    print(f"  target, first request {verdict(first, TARGET_REPORT_S)}")


def command_line(url: str, month: str) -> None:
    wangge = Path(sys.executable).with_name("wangge")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([str(wangge), "report", "--month", month, "--out", str(Path(tmp) / "r.pdf")], check=True,
                       env={**os.environ, "DATABASE_URL": url}, capture_output=True)
        elapsed = time.perf_counter() - started
    print(f"wangge report --month {month} (new process, imports and walking graph included): "
          f"{verdict(elapsed, TARGET_REPORT_S)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the twelve months")
    parser.add_argument("--reports", type=int, default=3, help="months whose PDF is timed after the first")
    args = parser.parse_args()
    from api.app import create_app
    from bench.intake import bench_token
    from data.generate import generate
    from geo.settings import DatabaseSettings

    print(f"bench.dashboard  load average {netgen.loadavg()}")
    with tempfile.TemporaryDirectory() as tmp, netgen.throwaway_database(netgen.admin_url(), "dashboard") as url:
        started = time.perf_counter()
        generate(Path(tmp) / "demo", seed=SEED)
        load_demo(url, Path(tmp) / "demo")
        with psycopg.connect(url) as conn:
            counts = conn.execute("SELECT count(*), (SELECT count(*) FROM incident_events) FROM incidents").fetchone()
            months = [r[0] for r in conn.execute(
                "SELECT DISTINCT to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') FROM incidents "
                "ORDER BY 1")]
        print(f"demo loaded in {time.perf_counter() - started:.0f} s: {counts[0]:,} incidents, {counts[1]:,} events, "
              f"months {months[0]}–{months[-1]}")
        token = bench_token(url, "viewer")
        with TestClient(create_app(DatabaseSettings(url=url)), headers={"Authorization": f"Bearer {token}"}) as client:
            dashboards(client, url, months, args.repeat)
            reports(client, url, months, args.reports)
        command_line(url, months[-1])
    print(f"load average after {netgen.loadavg()}")


if __name__ == "__main__":
    main()
