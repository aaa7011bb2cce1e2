"""Walking circles of 1,000 stations on a network of 100,000+ edges: ours beside PostGIS and OSMnx.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.circles [--stations 1000] [--sample 20] [--workers 2] [--seed N]

Issue target: all 15-minute circles (routing + polygons + storing) in 30 s or less on two
cores, at least 20× faster than the pipeline a PostGIS user would write
(pgr_drivingDistance + ST_Union of buffered edges) and than the OSMnx isochrone recipe
(networkx ego_graph + shapely buffer/unary_union); peak memory must not grow with
stations × nodes. See bench/README.md for what every figure means.

Everything runs in a throwaway database on the server of DATABASE_URL, dropped at the end.
Our runs are separate processes (so that their peak RSS is their own); the references run
on a sample of stations and are extrapolated ×(stations / sample), as labelled. The OSMnx
recipe runs right after our first run, so that both see the machine alike.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import psycopg
import shapely
from pyproj import Transformer

from bench import network as netgen

LIMIT_M = 1000.0       # 15 minutes at 4 km/h
BUFFER_M = 25.0
QUAD_SEGS = 4          # geo.walking._pieces.BUFFER_QUAD_SEGS; the references use the same
UTM = netgen.UTM_EPSG

# The PostGIS user's pipeline, one statement per station: nearest node, pgr_drivingDistance over
# the whole edge table, then the union of the 25 m buffers (in UTM 49N) of the edges whose two
# ends are reached, stored as a MultiPolygon in EPSG:4326.
PG_NAIVE = """
WITH start AS (
    SELECT n.id, n.geom FROM network_nodes AS n, stations AS s
    WHERE s.id = %(sid)s ORDER BY n.geom <-> s.geom LIMIT 1
), reached AS (
    SELECT d.node FROM start, pgr_drivingDistance(
        'SELECT id, source, target, cost, reverse_cost FROM network_edges',
        start.id, %(limit)s, directed := false) AS d
)
INSERT INTO pg_circles (station_id, geom)
SELECT %(sid)s, ST_Multi(ST_Transform(ST_Union(ST_Buffer(ST_Transform(e.geom, 32649), %(buffer)s, 'quad_segs=4')),
                                      4326))
FROM network_edges AS e
WHERE e.source IN (SELECT node FROM reached) AND e.target IN (SELECT node FROM reached)
"""
# The same, with the edges SQL limited to a box of ±(limit + 50 m) around the start node: the
# optimisation a careful PostGIS user makes (same result: no walk of ≤ limit leaves that box).
PG_BOX = PG_NAIVE.replace(
    "'SELECT id, source, target, cost, reverse_cost FROM network_edges',",
    "format('SELECT id, source, target, cost, reverse_cost FROM network_edges WHERE geom && %%L::geometry',\n"
    "               ST_Transform(ST_Expand(ST_Transform(start.geom, 32649), %(limit)s + 50), 4326)),",
).replace("INSERT INTO pg_circles", "INSERT INTO pg_circles_box")

REF_TABLES = """
CREATE TABLE {name} (station_id bigint PRIMARY KEY, geom geometry(MultiPolygon, 4326) NOT NULL);
CREATE INDEX ON {name} USING gist (geom);
"""


# ---------------------------------------------------------------- measuring helpers

def backend_cpu_s(conn: psycopg.Connection) -> float:
    """CPU seconds (user + system) used so far by this connection's server process (nan if unreadable)."""
    try:
        fields = Path(f"/proc/{conn.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- ours, in a child process

_WORKER_DIR: str | None = None


class _Anchor:
    """Keeps the after-fork hook registered (multiprocessing holds it weakly)."""


_ANCHOR = _Anchor()


def _worker_started(_: object) -> None:
    """In each pool worker: restart the tracemalloc peak and report it when the worker exits."""
    tracemalloc.reset_peak()
    multiprocessing.util.Finalize(None, _worker_exiting, exitpriority=100)


def _worker_exiting() -> None:
    _, peak = tracemalloc.get_traced_memory()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(_WORKER_DIR, f"{os.getpid()}.json").write_text(json.dumps({"peak": peak, "rss_kb": rss_kb}))


def ours(url: str, stations: int, minutes: tuple[float, ...], workers: int, trace: bool, routing: bool) -> dict:
    """Time geo.walking.store.recompute (full) after loading the graph; the first `stations` stations only."""
    global _WORKER_DIR
    from geo.layers import stations as stations_mod
    from geo.network import graph as graph_mod
    from geo.network import reach
    from geo.network import snap as snap_mod
    from geo.walking import _blocks as circle_blocks
    from geo.walking import circles as circles_mod
    from geo.walking import store as circle_store
    from geo.walking.circles import WalkParams

    parts = {"stations_snap": 0.0, "circles_wait": 0.0, "blocks": 0.0, "holes": 0.0}
    real_snap, real_points, real_load, real_circles = (snap_mod.snap, snap_mod.lonlat_to_points,
                                                       stations_mod.load, circle_store.circles)

    def timed(fn, key):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                parts[key] += time.perf_counter() - t
        return wrapper

    def timed_circles(*a, **k):
        it = real_circles(*a, **k)
        while True:
            t = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                parts["circles_wait"] += time.perf_counter() - t
                return
            parts["circles_wait"] += time.perf_counter() - t
            yield item

    snap_mod.snap = timed(real_snap, "stations_snap")
    snap_mod.lonlat_to_points = timed(real_points, "stations_snap")
    stations_mod.load = timed(real_load, "stations_snap")
    circle_store.circles = timed_circles
    circles_mod.sources_blocks = timed(circles_mod.sources_blocks, "blocks")
    circle_blocks.Blocks.complete = timed(circle_blocks.Blocks.complete, "holes")

    if trace:
        worker_dir = _WORKER_DIR = tempfile.mkdtemp(prefix="bench_workers_")
        multiprocessing.util.register_after_fork(_ANCHOR, _worker_started)
        tracemalloc.start()
    params = WalkParams(minutes=minutes)
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE walk_circles")
        partial = stations < conn.execute("SELECT count(*) FROM stations").fetchone()[0]
        conn.commit()
        cpu_backend0, cpu_self0, cpu_children0 = backend_cpu_s(conn), time.process_time(), children_cpu_s()
        t0 = time.perf_counter()
        graph = graph_mod.load(conn)
        conn.commit()
        t_graph = time.perf_counter() - t0
        if partial:  # memory runs on fewer stations: delete the others, roll back at the end
            t = time.perf_counter()
            conn.execute("DELETE FROM stations WHERE id > %s", (stations,))
            t0 += time.perf_counter() - t
        report = circle_store.recompute(conn, params, full=True, workers=workers, graph=graph)
        total = time.perf_counter() - t0
        cpu = (time.process_time() - cpu_self0) + (children_cpu_s() - cpu_children0) \
            + (backend_cpu_s(conn) - cpu_backend0)
        stored = conn.execute("SELECT count(*) FROM walk_circles").fetchone()[0]
        if partial:
            conn.rollback()
        result = {
            "stations": stations, "minutes": list(minutes), "workers": workers, "computed": report.computed,
            "off_network": len(report.off_network), "stored": stored, "total": total, "cpu": cpu,
            "graph": t_graph, "stations_snap": parts["stations_snap"], "circles": parts["circles_wait"],
            "blocks": parts["blocks"], "holes": parts["holes"],
            "storing": total - t_graph - parts["stations_snap"] - parts["circles_wait"],
            "rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "nodes": graph.n_nodes, "edges": len(graph.edge_ids),
        }
        if trace:
            result["trace_parent_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            peaks = [json.loads(p.read_text()) for p in Path(worker_dir).glob("*.json")]
            shutil.rmtree(worker_dir, ignore_errors=True)
            result["trace_workers_mb"] = max((p["peak"] for p in peaks), default=float("nan")) / 2**20
        if routing:  # Dijkstra alone for every station, one process (not part of the total)
            everything = real_load(conn)
            snapped = real_snap(graph, real_points(graph, everything.lon[:stations], everything.lat[:stations]))
            t = time.perf_counter()
            for _ in reach.distances_from(graph, snapped, np.arange(stations), params.limit_m(max(minutes))):
                pass
            result["routing_only"] = time.perf_counter() - t
    return result


def run_ours(url: str, stations: int, minutes: tuple[float, ...], workers: int, *, trace: bool = False,
             routing: bool = False) -> dict:
    """Run `ours` in a fresh Python process (so ru_maxrss is that run's alone) and return its figures."""
    args = [sys.executable, "-m", "bench.circles", "--child", json.dumps(
        {"url": url, "stations": stations, "minutes": list(minutes), "workers": workers, "trace": trace,
         "routing": routing})]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"our run failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- references

def run_postgis(url: str, statement: str, sample: np.ndarray, warmup_id: int) -> dict:
    """One statement per sampled station, all in one transaction; wall and server CPU seconds."""
    with psycopg.connect(url) as conn:
        conn.execute(statement, {"sid": warmup_id, "limit": LIMIT_M, "buffer": BUFFER_M})  # loads pgRouting
        conn.rollback()
        cpu0, client0, t0 = backend_cpu_s(conn), time.process_time(), time.perf_counter()
        for sid in sample:
            conn.execute(statement, {"sid": int(sid), "limit": LIMIT_M, "buffer": BUFFER_M})
        conn.commit()
        wall = time.perf_counter() - t0
        cpu = backend_cpu_s(conn) - cpu0 + time.process_time() - client0
    return {"wall": wall, "cpu": cpu, "n": len(sample)}


def build_nx(net: netgen.Network):
    """The OSMnx-shaped graph: undirected, `length` (metres), `geometry` in UTM; nodes with x, y."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from((int(i), {"x": float(x), "y": float(y)}) for i, (x, y) in zip(net.node_ids, net.node_xy,
                                                                                        strict=True))
    graph.add_edges_from((int(u), int(v), {"length": float(length), "geometry": line})
                         for u, v, length, line in zip(net.source, net.target, net.length_m, net.lines_xy,
                                                       strict=True))
    return graph


def run_osmnx(url: str, net: netgen.Network, lon: np.ndarray, lat: np.ndarray, sample: np.ndarray) -> dict:
    """OSMnx's isochrone recipe per station (edges only), then COPY into nx_circles."""
    import geopandas as gpd
    import networkx as nx
    from scipy.spatial import cKDTree

    t0, c0 = time.perf_counter(), time.process_time()
    graph = build_nx(net)
    tree = cKDTree(net.node_xy)  # what ox.distance.nearest_nodes uses on a projected graph
    setup, setup_cpu = time.perf_counter() - t0, time.process_time() - c0
    x, y = Transformer.from_crs(netgen.STORAGE_EPSG, UTM, always_xy=True).transform(lon[sample - 1], lat[sample - 1])
    with psycopg.connect(url) as conn:
        cpu_b0, t0, c0 = backend_cpu_s(conn), time.perf_counter(), time.process_time()
        polygons = []
        for sx, sy in zip(x, y, strict=True):
            centre = int(net.node_ids[tree.query((sx, sy))[1]])
            sub = nx.ego_graph(graph, centre, radius=LIMIT_M, distance="length")
            lines = [data["geometry"] for _, _, data in sub.edges(data=True)]
            polygons.append(gpd.GeoSeries(lines).buffer(BUFFER_M, quad_segs=QUAD_SEGS).union_all())
        to_lonlat = Transformer.from_crs(UTM, netgen.STORAGE_EPSG, always_xy=True)
        multi = np.empty(len(polygons), dtype=object)
        multi[:] = [shapely.multipolygons(shapely.get_parts(p)) for p in polygons]
        stored = shapely.transform(multi, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1])))
        with conn.cursor().copy("COPY nx_circles (station_id, geom) FROM STDIN") as copy:
            for sid, geom in zip(sample, netgen.ewkb_hex(stored), strict=True):
                copy.write_row((int(sid), geom))
        conn.commit()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0 + backend_cpu_s(conn) - cpu_b0
    return {"wall": wall, "cpu": cpu, "n": len(sample), "setup": setup, "setup_cpu": setup_cpu,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def compare_areas(url: str, sample: np.ndarray) -> dict:
    """Per sampled station: areas (m², UTM) of ours, PostGIS and OSMnx 15-minute circles, and their overlap."""
    query = """
    SELECT avg(ST_Area(ST_Transform(w.geom, 32649))), avg(ST_Area(ST_Transform(p.geom, 32649))),
           avg(ST_Area(ST_Transform(b.geom, 32649))), avg(ST_Area(ST_Transform(x.geom, 32649))),
           max(ST_Area(ST_Transform(ST_SymDifference(p.geom, x.geom), 32649))
               / ST_Area(ST_Transform(p.geom, 32649))),
           max(ST_Area(ST_Transform(ST_SymDifference(p.geom, b.geom), 32649))
               / ST_Area(ST_Transform(p.geom, 32649))),
           avg(ST_Area(ST_Transform(ST_Difference(p.geom, w.geom), 32649)) / ST_Area(ST_Transform(p.geom, 32649))),
           avg(w.reached_length_m)
    FROM walk_circles AS w
    JOIN pg_circles AS p ON p.station_id = w.station_id
    JOIN pg_circles_box AS b ON b.station_id = w.station_id
    JOIN nx_circles AS x ON x.station_id = w.station_id
    WHERE w.minutes = 15 AND w.station_id = ANY(%s)
    """
    with psycopg.connect(url) as conn:
        row = conn.execute(query, ([int(s) for s in sample],)).fetchone()
        everyone = conn.execute("SELECT avg(reached_length_m), count(*) FROM walk_circles WHERE minutes = 15").fetchone()
    keys = ("ours", "pg", "pg_box", "nx", "pg_vs_nx", "pg_vs_box", "pg_outside_ours", "reached_sample")
    return {**dict(zip(keys, row, strict=True)), "reached_all": everyone[0], "n_all": everyone[1]}


# ---------------------------------------------------------------- report

def versions(url: str) -> str:
    import networkx
    import pyclipr
    import scipy

    with psycopg.connect(url) as conn:
        pg = conn.execute("SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version(), "
                          "pgr_version()").fetchone()
    return (f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), Clipper2 {pyclipr.clipperVersion}, "
            f"scipy {scipy.__version__}, "
            f"networkx {networkx.__version__}; PostgreSQL {pg[0]}, PostGIS {pg[1]} (GEOS {pg[2]}), pgRouting {pg[3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=20, help="stations the references are measured on")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-stations", type=int, default=250, help="smaller run for the memory comparison")
    parser.add_argument("--no-memory", action="store_true", help="skip the two tracemalloc runs")
    parser.add_argument("--seed", type=int, default=netgen.DEFAULT_SEED)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(ours(spec["url"], spec["stations"], tuple(spec["minutes"]), spec["workers"],
                              spec["trace"], spec["routing"])))
        return
    admin_url = netgen.admin_url()

    started, load_before = time.perf_counter(), netgen.loadavg()
    print(f"bench.circles  seed {args.seed}, {os.cpu_count()} CPUs, load average {load_before}", flush=True)
    net = netgen.generate(seed=args.seed)
    lon, lat = net.stations(args.stations, seed=args.seed + 1)
    rng = np.random.default_rng(args.seed + 2)
    sample = np.sort(rng.choice(np.arange(1, args.stations + 1), size=min(args.sample, args.stations),
                                replace=False))
    warmup = int(np.setdiff1d(np.arange(1, args.stations + 1), sample)[0])
    scale = args.stations / len(sample)
    n = args.stations

    with netgen.throwaway_database(admin_url, "circles") as url:
        with psycopg.connect(url) as conn:
            t = time.perf_counter()
            netgen.load_into(conn, net)
            netgen.load_stations(conn, lon, lat)
            for name in ("pg_circles", "pg_circles_box", "nx_circles"):
                conn.execute(REF_TABLES.format(name=name))
            conn.commit()
            loaded = time.perf_counter() - t
        print(f"network: {net.n_nodes:,} nodes, {net.n_edges:,} edges ({net.length_m.sum() / 1000:,.0f} km), "
              f"{n:,} stations 2–15 m off the streets; loaded into PostGIS in {loaded:.1f} s", flush=True)
        print(versions(url), flush=True)

        print("running ours: 15 min ...", flush=True)
        a = run_ours(url, n, (15.0,), args.workers, routing=True)
        # right after ours, so that both see the machine alike (its speed drifts by tens of %)
        print(f"running the OSMnx recipe on {len(sample)} stations ...", flush=True)
        nx_ = run_osmnx(url, net, lon, lat, sample)
        print("running ours: 5/10/15 min ...", flush=True)
        b = run_ours(url, n, (5.0, 10.0, 15.0), args.workers)
        mem = []
        if not args.no_memory:
            for count in (args.memory_stations, n):
                print(f"running ours with tracemalloc: {count} stations ...", flush=True)
                mem.append(run_ours(url, count, (15.0,), args.workers, trace=True))
        print(f"running PostGIS on {len(sample)} stations (two variants) ...", flush=True)
        pg = run_postgis(url, PG_NAIVE, sample, warmup)
        pg_box = run_postgis(url, PG_BOX, sample, warmup)
        areas = compare_areas(url, sample)
        load_after = netgen.loadavg()

    def row(label: str, wall: float, cpu: float, note: str = "") -> None:
        print(f"  {label:<66} {wall:9.1f} {cpu:9.1f}   {note}".replace(" nan", " -  "))

    def ext(ref: dict) -> tuple[float, float]:
        return ref["wall"] * scale, ref["cpu"] * scale

    print()
    print(f"Walking circles: {n:,} stations, {a['edges']:,} edges / {a['nodes']:,} nodes, limit {LIMIT_M:.0f} m "
          f"(15 min at 4 km/h), buffer {BUFFER_M:.0f} m, quad_segs {QUAD_SEGS}, polygons in UTM 49N (EPSG:{UTM})")
    print(f"  {'':<66} {'wall s':>9} {'CPU s':>9}   (CPU: all processes, incl. the PostgreSQL server's)")
    row(f"1. ours, 15 min, workers={args.workers}: graph + circles + storing", a["total"], a["cpu"],
        f"{a['computed']:,} stations, {a['stored']:,} circles stored, {a['total'] / n * 1000:.0f} ms per station")
    row("     graph build (geo.network.graph.load from PostGIS)", a["graph"], float("nan"))
    row("     stations load + snapping (incl. STRtree)", a["stations_snap"], float("nan"))
    row(f"     circles: routing + polygons ({args.workers} workers; parent's wait)", a["circles"], float("nan"))
    row("       of which blocks: sources_blocks (parent, before the workers)", a["blocks"],
        float("nan"))
    row(f"       of which holes: Blocks.complete ({args.workers} workers)", a["holes"], float("nan"))
    row("     storing: COPY of the workers' EWKB, commit (parent)", a["storing"], float("nan"))
    row("     (routing alone, distances_from, 1 process; not in total)", a["routing_only"], float("nan"))
    row(f"2. ours, 5/10/15 min, workers={args.workers}", b["total"], b["cpu"],
        f"{b['stored']:,} circles stored; 15-min only: {a['total']:.1f} s")
    w, c = ext(pg)
    row("3. PostGIS: pgr_drivingDistance + ST_Union(ST_Buffer), whole table", w, c,
        f"measured on {pg['n']}, extrapolated ×{scale:g} ({pg['wall']:.2f} s measured)")
    wb, cb = ext(pg_box)
    row("3b. PostGIS, edges SQL limited to a box around the start", wb, cb,
        f"measured on {pg_box['n']}, extrapolated ×{scale:g} ({pg_box['wall']:.2f} s measured)")
    wn, cn = ext(nx_)
    row("4. OSMnx recipe: nx.ego_graph + GeoSeries.buffer().union_all()", wn + nx_["setup"], cn + nx_["setup_cpu"],
        f"measured on {nx_['n']}, extrapolated ×{scale:g} ({nx_['wall']:.2f} s measured) "
        f"+ {nx_['setup']:.1f} s graph build")

    print()
    print(f"Ratios, 15-minute ring, {n:,} stations (reference ÷ ours; target ≥ 20×):")
    for label, rw, rc in (("PostGIS (3)", w, c), ("PostGIS, box (3b)", wb, cb),
                          ("OSMnx recipe (4)", wn + nx_["setup"], cn + nx_["setup_cpu"])):
        verdict = "met" if rw / a["total"] >= 20 else "NOT met"
        print(f"  {label:<20} wall {rw / a['total']:6.1f}×   CPU {rc / a['cpu']:6.1f}×   {verdict}")
    print(f"  target ours ≤ 30 s: {a['total']:.1f} s  {'met' if a['total'] <= 30 else 'NOT met'}")

    print()
    print("Peak memory of ours, 15 min (MB; RSS = ru_maxrss, worker = the larger of the pool's processes;")
    print("  tracemalloc = Python and numpy allocations only, not GEOS's; tracemalloc itself adds to RSS):")
    print(f"  {'stations':>8} {'RSS parent':>11} {'RSS worker':>11} {'tracemalloc parent':>19} "
          f"{'tracemalloc worker':>19} {'nodes':>8}")
    print(f"  {n:>8,} {a['rss_self_mb']:>11.0f} {a['rss_workers_mb']:>11.0f} {'(timed run)':>19} {'':>19} "
          f"{a['nodes']:>8,}")
    for m in mem:
        print(f"  {m['stations']:>8,} {m['rss_self_mb']:>11.0f} {m['rss_workers_mb']:>11.0f} "
              f"{m['trace_parent_mb']:>19.1f} {m['trace_workers_mb']:>19.1f} {m['nodes']:>8,}"
              f"   (wall {m['total']:.1f} s with tracemalloc on)")
    print(f"  one dense stations × nodes float64 matrix would be {n * a['nodes'] * 8 / 2**20:,.0f} MB")

    print()
    print(f"Same circles? ({len(sample)} sampled stations, 15 min; areas in UTM 49N)")
    print(f"  mean area: ours {areas['ours'] / 1e6:.3f} km², PostGIS {areas['pg'] / 1e6:.3f} km², "
          f"PostGIS box {areas['pg_box'] / 1e6:.3f} km², OSMnx {areas['nx'] / 1e6:.3f} km²")
    print(f"  PostGIS vs OSMnx: max symmetric difference {areas['pg_vs_nx']:.2%} of the area; "
          f"PostGIS vs box: {areas['pg_vs_box']:.2%}")
    print(f"  PostGIS area outside ours: mean {areas['pg_outside_ours']:.2%} (ours starts at the snapped point and "
          f"adds partial edges)")
    print(f"  sample representative? mean reached street length {areas['reached_sample'] / 1000:.2f} km on the "
          f"sample vs {areas['reached_all'] / 1000:.2f} km on all {areas['n_all']:,} stations")
    print()
    print(f"load average (1/5/15 min) before: {load_before}, after: {load_after}; "
          f"OSMnx-recipe process RSS {nx_['rss_mb']:.0f} MB; total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
