"""Who is within reach of a clicked point, and the basemap tiles: our figures beside their references.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.reach [--points 60] [--seed N]

On a throwaway database holding the generated demo district:

1. `GET /walk/area` for 15 minutes (1,000 m at 4 km/h) from `--points` random points of the
   district, through the app (in-process ASGI client, with a district dispatcher's token), p50/p95 (target p95 ≤ 200 ms);
   beside it the same question answered by the references, each timed per point:
   - pgRouting: `pgr_withPointsDD` from the point snapped onto its edge (as our snap puts it),
     details on, then the reached edges (partial ones cut with `ST_LineSubstring`) buffered
     25 m and unioned in SQL, and the residents of the buildings whose point lies in it;
   - networkx, the OSMnx isochrone recipe: `ego_graph` of the nearest node by length, its edges
     buffered and unioned with shapely, residents of the buildings inside.
   Residents are printed beside ours: the references count buildings inside a buffered polygon
   and start from the nearest node, ours counts walking distance from the snapped point (the
   test suite checks ours against networkx on the same rule exactly).
2. `POST /walk/whatif` adding one station at 30 of those points, as a planner (target p95 ≤ 1 s).
3. `GET /coverage?level=grid&at=HH:MM` at `--hours` random minutes of the day never asked
   before (computed on request), then the same again (kept per hour and version); beside it
   the stored path it replaces: `access.recompute` for that hour (what `wangge access --at`
   does) before the answer could be read.
4. The server while a siting job runs (POST /siting/jobs, exact, k = 20 among network points
   every 60 m): `GET /walk/area` p50/p95 during the job beside the same points asked idle, and
   the job's own time (the issue: the server stays responsive meanwhile).
5. Tiles: a sweep of zooms 12–17 over the gridded city (the grids' extent, where the data are): per zoom, `--tiles-per-zoom` tile positions
   (all of them when fewer) of every tile layer, first request (drawn from PostGIS) and again
   (from the cache); p50/p95/max per zoom (target p95 ≤ 50 ms per tile).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import psycopg
import shapely
from fastapi.testclient import TestClient

from bench import network as netgen
from geo.network import snap
from geo.tiles import mvt
from geo.walking import _loaded

LIMIT_M = 1000.0
BUFFER_M = 25.0
TARGET_AREA_MS = 200.0
TARGET_WHATIF_MS = 1000.0
TARGET_TILE_MS = 50.0
ZOOMS = range(12, 18)
PGR_AREA = """
WITH reached AS (
    SELECT d.node, d.agg_cost FROM pgr_withPointsDD(
        'SELECT id, source, target, cost, reverse_cost FROM network_edges',
        %(points)s,
        -1, %(limit)s, directed := false, details := true) AS d
),
cost AS (SELECT node, min(agg_cost) AS c FROM reached WHERE node > 0 GROUP BY node),
pieces AS (
    SELECT CASE WHEN cu.c + e.length_m <= %(limit)s OR cv.c + e.length_m <= %(limit)s THEN e.geom
                ELSE ST_Collect(
                    CASE WHEN cu.c IS NULL THEN NULL
                         ELSE ST_LineSubstring(e.geom, 0, least(1, (%(limit)s - cu.c) / greatest(e.length_m, 1e-9))) END,
                    CASE WHEN cv.c IS NULL THEN NULL
                         ELSE ST_LineSubstring(e.geom, greatest(0, 1 - (%(limit)s - cv.c) / greatest(e.length_m, 1e-9)), 1) END)
           END AS geom
    FROM network_edges AS e
    LEFT JOIN cost AS cu ON cu.node = e.source
    LEFT JOIN cost AS cv ON cv.node = e.target
    WHERE cu.c IS NOT NULL OR cv.c IS NOT NULL
),
area AS (SELECT ST_Union(ST_Buffer(geom::geography, %(buffer)s)::geometry) AS geom FROM pieces)
SELECT coalesce(sum(b.residents), 0) FROM buildings AS b, area WHERE ST_Intersects(ST_PointOnSurface(b.geom), area.geom)
"""


def percentiles(values: list[float]) -> str:
    a = np.array(values) * 1000
    return f"p50 {np.percentile(a, 50):7.1f}  p95 {np.percentile(a, 95):7.1f}  max {a.max():7.1f} ms"


def random_points(conn: psycopg.Connection, n: int, seed: int) -> list[tuple[float, float]]:
    west, south, east, north = conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x"
    ).fetchone()
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(west, east)), float(rng.uniform(south, north))) for _ in range(n)]


def ours(client: TestClient, points: list[tuple[float, float]]) -> tuple[list[float], list[int]]:
    times, residents = [], []
    client.get("/walk/area", params={"lon": points[0][0], "lat": points[0][1], "minutes": "15"})  # loads the graph
    for lon, lat in points:
        t = time.perf_counter()
        answer = client.get("/walk/area", params={"lon": lon, "lat": lat, "minutes": "15"})
        times.append(time.perf_counter() - t)
        residents.append(answer.json()["features"][0]["properties"]["residents"] if answer.status_code == 200 else -1)
    return times, residents


def whatif_times(client: TestClient, token: str, points: list[tuple[float, float]]) -> tuple[list[float], list[int]]:
    """POST /walk/whatif adding one 城市驿站 at each point, as a planner: seconds and residents newly covered."""
    times, gained = [], []
    for lon, lat in points:
        t = time.perf_counter()
        answer = client.post("/walk/whatif", json={"add": [{"lon": lon, "lat": lat, "kind": "城市驿站"}]},
                             headers={"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - t)
        gained.append(answer.json()["newly_covered"] if answer.status_code == 200 else -1)
    return times, gained


def pgrouting(conn: psycopg.Connection, loaded: _loaded.Loaded, points) -> tuple[list[float], list[int]]:
    graph, times, residents = loaded.graph, [], []
    for lon, lat in points:
        t = time.perf_counter()
        start = snap.snap(graph, snap.lonlat_to_points(graph, np.array([lon]), np.array([lat])))
        # pgRouting 3.4 gives no rows from a point at fraction 0 or 1 (its issue #2689): kept just inside.
        fraction = min(max(float(start.fraction[0]), 1e-9), 1 - 1e-9)
        points_sql = f"SELECT 1 AS pid, {int(graph.edge_ids[start.edge[0]])}::bigint AS edge_id, {fraction!r}::float8 AS fraction"
        row = conn.execute(PGR_AREA, {"points": points_sql, "limit": LIMIT_M, "buffer": BUFFER_M}).fetchone()
        times.append(time.perf_counter() - t)
        residents.append(int(row[0]))
    return times, residents


def networkx_recipe(conn: psycopg.Connection, loaded: _loaded.Loaded, points) -> tuple[list[float], list[int]]:
    graph = loaded.graph
    g = nx.Graph()
    for i in range(len(graph.edge_ids)):
        g.add_edge(int(graph.u[i]), int(graph.v[i]), length=float(graph.length_m[i]), line=graph.lines[i])
    tree = shapely.STRtree(shapely.points(graph.node_xy))
    rows = conn.execute("SELECT ST_X(p), ST_Y(p), residents FROM (SELECT residents, ST_PointOnSurface(geom) AS p "
                        "FROM buildings) AS b").fetchall()
    houses = snap.lonlat_to_points(graph, np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))
    people = np.array([r[2] for r in rows])
    times, residents = [], []
    for lon, lat in points:
        t = time.perf_counter()
        point = snap.lonlat_to_points(graph, np.array([lon]), np.array([lat]))[0]
        nearest = int(tree.nearest(point))
        ego = nx.ego_graph(g, nearest, radius=LIMIT_M, distance="length")
        lines = [d["line"] for _, _, d in ego.edges(data=True)]
        area = shapely.union_all(shapely.buffer(lines, BUFFER_M)) if lines else shapely.Point(point).buffer(BUFFER_M)
        shapely.prepare(area)
        residents.append(int(people[shapely.contains_xy(area, shapely.get_x(houses), shapely.get_y(houses))].sum()))
        times.append(time.perf_counter() - t)
    return times, residents


def tiles_sweep(client: TestClient, conn: psycopg.Connection, per_zoom: int, seed: int) -> None:
    west, south, east, north = conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x"
    ).fetchone()

    def tile(lon: float, lat: float, z: int) -> tuple[int, int]:
        n = 2 ** z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    rng = np.random.default_rng(seed)
    print(f"tiles: per zoom, every tile over the gridded city ({west:.3f}–{east:.3f} E, {south:.3f}–{north:.3f} N) or "
          f"{per_zoom} of them drawn at random, of each of the {len(mvt.LAYERS)} layers; first request (drawn) "
          "and second (cached)")
    worst = 0.0
    for z in ZOOMS:
        x0, y0 = tile(west, north, z)
        x1, y1 = tile(east, south, z)
        every = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        chosen = [every[i] for i in rng.choice(len(every), min(per_zoom, len(every)), replace=False)]
        cold, warm, sizes = [], [], []
        for layer in mvt.LAYERS:
            for x, y in chosen:
                for sink in (cold, warm):
                    t = time.perf_counter()
                    answer = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt")
                    sink.append(time.perf_counter() - t)
                sizes.append(len(answer.content))
        worst = max(worst, float(np.percentile(cold, 95)) * 1000)
        print(f"  z{z:<2} {len(chosen):4,} of {len(every):6,} positions × {len(mvt.LAYERS)} layers  drawn {percentiles(cold)}"
              f"   cached {percentiles(warm)}   mean {np.mean(sizes) / 1024:5.1f} KB, largest {max(sizes) / 1024:5.1f} KB")
    print(f"  target p95 ≤ {TARGET_TILE_MS:g} ms per tile (drawn, the worst zoom: {worst:.1f} ms): "
          f"{'met' if worst <= TARGET_TILE_MS else 'NOT met'}")


def any_hour(client: TestClient, conn: psycopg.Connection, hours: int, seed: int) -> None:
    """Coverage per grid at hours never asked before, again, and the stored path it replaces."""
    from geo.walking import access

    rng = np.random.default_rng(seed)
    minutes = rng.choice(24 * 60, size=hours, replace=False)
    times = [f"{m // 60:02d}:{m % 60:02d}" for m in minutes]
    first, again, stored = [], [], []
    for at in times:
        for bucket in (first, again):
            start = time.perf_counter()
            response = client.get("/coverage", params={"level": "grid", "at": at})
            bucket.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    for at in times[:5]:
        start = time.perf_counter()
        access.recompute(conn, at=dt.time.fromisoformat(at), graph=_loaded.current(conn).graph)
        stored.append(time.perf_counter() - start)
        conn.rollback()
    print(f"GET /coverage?level=grid at {hours} hours never asked before (476 grids):")
    print(f"  {'ours: first ask (computed on request)':<40} {percentiles(first)}")
    print(f"  {'ours: asked again (kept)':<40} {percentiles(again)}")
    print(f"  {'stored path: access run first (5 hours)':<40} {percentiles(stored)}   (before any answer)")


def during_siting(client: TestClient, token: str, points: list[tuple[float, float]]) -> None:
    """/walk/area while a siting job runs in the server's background thread, beside the same asked idle."""
    idle, _ = ours(client, points)
    body = {"name": "bench 后台求解", "kind": "全部", "k": 20, "candidates": "network", "spacing_m": 60,
            "method": "exact", "time_limit_s": 120}
    started = time.perf_counter()
    job = client.post("/siting/jobs", json=body, headers={"Authorization": f"Bearer {token}"}).json()
    busy: list[float] = []
    state = job["state"]
    while state in ("queued", "running"):
        for lon, lat in points:
            t = time.perf_counter()
            assert client.get("/walk/area", params={"lon": lon, "lat": lat, "minutes": "15"}).status_code == 200
            busy.append(time.perf_counter() - t)
        state = client.get(job["links"]["self"], headers={"Authorization": f"Bearer {token}"}).json()["state"]
    took = time.perf_counter() - started
    print(f"GET /walk/area while a siting job runs ({took:.1f} s, {state}; {len(busy)} requests during it):")
    print(f"  {'idle':<40} {percentiles(idle)}")
    print(f"  {'during the job':<40} {percentiles(busy)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--hours", type=int, default=30, help="random hours of the day for coverage")
    parser.add_argument("--tiles-per-zoom", type=int, default=80, help="tile positions drawn per zoom")
    args = parser.parse_args()
    from api.app import create_app
    from bench.intake import bench_token
    from data.generate import generate
    from geo.layers.loader import LoadOptions, load_directory
    from geo.settings import DatabaseSettings

    print(f"bench.reach  load average {netgen.loadavg()}")
    with tempfile.TemporaryDirectory() as tmp, netgen.throwaway_database(netgen.admin_url(), "reach") as url:
        generate(Path(tmp) / "demo", seed=20261122)
        with psycopg.connect(url) as conn:
            load_directory(conn, Path(tmp) / "demo", LoadOptions())
            conn.commit()
        token = bench_token(url)
        with TestClient(create_app(DatabaseSettings(url=url)), headers={"Authorization": f"Bearer {token}"}) as client, \
                psycopg.connect(url) as conn:
            points = random_points(conn, args.points, args.seed)
            loaded = _loaded.current(conn)
            ours_t, ours_r = ours(client, points)
            pgr_t, pgr_r = pgrouting(conn, loaded, points)
            nx_t, nx_r = networkx_recipe(conn, loaded, points)
            print(f"GET /walk/area, 15 minutes (1,000 m), {len(points)} random points of the demo district:")
            for name, t, r in (("ours: /walk/area over HTTP (ASGI)", ours_t, ours_r),
                               ("pgRouting withPointsDD + buffer (SQL)", pgr_t, pgr_r),
                               ("networkx ego_graph + shapely buffer", nx_t, nx_r)):
                print(f"  {name:<40} {percentiles(t)}   residents mean {np.mean(r):9,.0f}")
            ok = [i for i, r in enumerate(ours_r) if r >= 0]
            diff = np.array([abs(ours_r[i] - pgr_r[i]) / max(ours_r[i], 1) for i in ok])
            print(f"  residents, ours vs pgRouting's buffered area: median difference {100 * np.median(diff):.1f} % "
                  f"({len(ok)} points on the network)")
            p95 = float(np.percentile(np.array(ours_t) * 1000, 95))
            print(f"  target p95 ≤ {TARGET_AREA_MS:g} ms: {p95:.1f} ms, {'met' if p95 <= TARGET_AREA_MS else 'NOT met'}")
            planner = bench_token(url, "planner")
            wf_t, wf_r = whatif_times(client, planner, points[:30])
            p95 = float(np.percentile(np.array(wf_t) * 1000, 95))
            print(f"POST /walk/whatif adding one station, {len(wf_t)} of the points: {percentiles(wf_t)}   "
                  f"residents newly covered mean {np.mean(wf_r):,.0f}")
            print(f"  target p95 ≤ {TARGET_WHATIF_MS:g} ms: {p95:.1f} ms, {'met' if p95 <= TARGET_WHATIF_MS else 'NOT met'}")
            any_hour(client, conn, args.hours, args.seed)
            during_siting(client, planner, points[:20])
            tiles_sweep(client, conn, args.tiles_per_zoom, args.seed)
    print(f"load average after {netgen.loadavg()}")


if __name__ == "__main__":
    main()
