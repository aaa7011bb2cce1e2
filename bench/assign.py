"""Bulk assignment of 1,000,000 points to the demo grids: ours beside geopandas sjoin and PostGIS.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.assign [--points 1000000] [--repeat 5] [--seed N]

Issue target: geo.incidents.assign.assign on 1,000,000 points at least 2× faster than geopandas
`sjoin(points, grids, how="left", predicate="within")` and 15× faster than a plain PostGIS join
`pts LEFT JOIN grids ON ST_Within(p.geom, g.geom)`. The demo district is generated and its
districts, streets, communities and grids loaded into a throwaway database on the server of
DATABASE_URL (dropped at the end). See bench/README.md ("Assignment") for what each figure holds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import shapely

from bench.circles import backend_cpu_s
from bench.network import admin_url, ewkb_hex, loadavg, throwaway_database

DEFAULT_SEED = 20261122
OUTSIDE_SHARE = 0.04  # of the points, this share lies outside the grids' bounding box ...
OUTSIDE_BAND_M = 1000.0  # ... at most this far from it (metres)
ON_BOUNDARY = 2_000  # points put exactly on grid vertices and edge midpoints (half each)
TARGET_SJOIN, TARGET_POSTGIS = 2.0, 15.0  # issue targets: reference time ÷ ours
LAYERS = ("districts", "streets", "communities", "grids")  # all the grids need (parents first)
JOIN = "CREATE TEMP TABLE pg_join AS SELECT p.id AS pid, g.id AS gid FROM pts AS p LEFT JOIN grids AS g " \
       "ON ST_Within(p.geom, g.geom)"


def make_points(grids: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` seeded points (lon, lat): uniform over the grids' bounding box, ON_BOUNDARY of them on grid
    vertices and edge midpoints, and OUTSIDE_SHARE in a band up to OUTSIDE_BAND_M around the box."""
    rng = np.random.default_rng(seed)
    west, south, east, north = shapely.total_bounds(grids)
    m_lat = 111_320.0  # metres per degree of latitude, near enough to draw the band
    pad_x, pad_y = OUTSIDE_BAND_M / (m_lat * np.cos(np.radians((south + north) / 2))), OUTSIDE_BAND_M / m_lat
    n_out = int(n * OUTSIDE_SHARE)
    x, y = rng.uniform(west - pad_x, east + pad_x, 4 * n_out), rng.uniform(south - pad_y, north + pad_y, 4 * n_out)
    keep = np.flatnonzero((x < west) | (x > east) | (y < south) | (y > north))[:n_out]
    xy, ring = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(grids)), return_index=True)
    same = np.flatnonzero(ring[1:] == ring[:-1])
    on_vertex = xy[rng.choice(len(xy), ON_BOUNDARY // 2)]
    mid = rng.choice(same, ON_BOUNDARY - ON_BOUNDARY // 2)
    on_edge = (xy[mid] + xy[mid + 1]) / 2
    n_in = n - len(keep) - ON_BOUNDARY
    pts = np.concatenate([np.column_stack([rng.uniform(west, east, n_in), rng.uniform(south, north, n_in)]),
                          on_vertex, on_edge, np.column_stack([x[keep], y[keep]])])
    pts = pts[rng.permutation(len(pts))]
    return pts[:, 0], pts[:, 1]


def timed(fn, repeat: int) -> tuple[float, float, float, float, object]:
    """Median, min and max wall seconds and median CPU seconds of `repeat` calls; the last result."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), min(walls), max(walls), statistics.median(cpus), result


def matches(n: int, point: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From (point, grid id or -1) rows of a join: the number of grids per point, and the grid of
    the points that have exactly one (-1 otherwise)."""
    hit = grid >= 0
    count = np.bincount(point[hit], minlength=n)
    one = np.full(n, -1, dtype=np.int64)
    single = hit & (count[point] == 1)
    one[point[single]] = grid[single]
    return count, one


def agreement(label: str, ours: np.ndarray, count: np.ndarray, one: np.ndarray, boundary: np.ndarray) -> None:
    """Print how a reference's `within` answer compares with our `inside` grid (-1: not inside)."""
    same = ((count == 1) & (one == ours)) | ((count == 0) & (ours < 0))
    edge = (count == 0) & (ours >= 0) & boundary
    several = count > 1
    other = ~(same | edge | several)
    print(f"  {label:<22} same {same.sum():>9,}   on a grid boundary (within: none; ours: smallest code) "
          f"{edge.sum():>6,}   several grids {several.sum():>4,}   other disagreements {other.sum():>4,}")


def main() -> None:
    import geopandas as gpd

    from data.generate import generate
    from geo.incidents.assign import assign, load
    from geo.layers.loader import LoadOptions, load_directory

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of ours and of sjoin (median shown)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    server_url = admin_url()
    started, load_before = time.perf_counter(), loadavg()
    print(f"bench.assign  seed {args.seed}, {os.cpu_count()} CPUs, load average {load_before}; shapely "
          f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas {gpd.__version__}", flush=True)

    with tempfile.TemporaryDirectory() as tmp, throwaway_database(server_url, "assign") as url:
        demo, layers = Path(tmp, "demo"), Path(tmp, "layers")
        generate(demo)
        layers.mkdir()
        for name in LAYERS:
            Path(layers, f"{name}.gpkg").symlink_to(Path(demo, f"{name}.gpkg"))
        with psycopg.connect(url) as conn:
            load_directory(conn, layers, LoadOptions())
            conn.commit()
            pg_version = conn.execute("SELECT postgis_lib_version(), postgis_geos_version(), "
                                      "current_setting('max_parallel_workers_per_gather')").fetchone()
            t = time.perf_counter()
            index = load(conn)
            t_build = time.perf_counter() - t
            lon, lat = make_points(index.geoms, args.points, args.seed)
            print(f"{len(index.ids)} grids loaded; {len(lon):,} points; PostGIS {pg_version[0]} (GEOS "
                  f"{pg_version[1]}), max_parallel_workers_per_gather {pg_version[2]}", flush=True)

            print("running ours ...", flush=True)
            assign(index, lon[:1000], lat[:1000])  # warm-up (imports, first allocations)
            ours_wall, ours_min, ours_max, ours_cpu, result = timed(lambda: assign(index, lon, lat), args.repeat)

            print("running geopandas sjoin ...", flush=True)
            t = time.perf_counter()
            grids = gpd.GeoDataFrame({"gid": index.ids}, geometry=shapely.from_wkb(shapely.to_wkb(index.geoms)),
                                     crs=4326)
            points = gpd.GeoDataFrame({"pid": np.arange(len(lon))}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
            t_gdf = time.perf_counter() - t
            sj_wall, sj_min, sj_max, sj_cpu, joined = timed(
                lambda: gpd.sjoin(points, grids, how="left", predicate="within"), max(1, args.repeat // 2))

            print("running PostGIS: COPY, then the join ...", flush=True)
            conn.execute("CREATE TABLE pts (id bigint PRIMARY KEY, geom geometry(Point, 4326) NOT NULL)")
            t = time.perf_counter()
            text = "\n".join(f"{i}\t{h}" for i, h in enumerate(ewkb_hex(shapely.points(lon, lat)))) + "\n"
            t_format = time.perf_counter() - t
            t = time.perf_counter()
            with conn.cursor().copy("COPY pts (id, geom) FROM STDIN") as copy:
                copy.write(text)
            conn.execute("ANALYZE pts")
            conn.commit()
            t_copy = time.perf_counter() - t
            plan = [r[0] for r in conn.execute("EXPLAIN " + JOIN.split(" AS ", 1)[1]).fetchall()]
            cpu0, t = backend_cpu_s(conn), time.perf_counter()
            conn.execute(JOIN)
            pg_wall, pg_cpu = time.perf_counter() - t, backend_cpu_s(conn) - cpu0
            rows = np.array(conn.execute("SELECT pid, coalesce(gid, -1) FROM pg_join").fetchall(), dtype=np.int64)
            conn.execute("DROP TABLE pg_join")
            conn.execute("SET max_parallel_workers_per_gather = 0")  # the same join in one process
            cpu0, t = backend_cpu_s(conn), time.perf_counter()
            conn.execute(JOIN)
            pg1_wall, pg1_cpu = time.perf_counter() - t, backend_cpu_s(conn) - cpu0
            conn.rollback()

    # Agreement on inside points: ours (method inside) against each reference's `within` matches.
    n = len(lon)
    ours = np.where(result.method == "inside", result.grid_id, -1)
    sj_count, sj_one = matches(n, joined["pid"].to_numpy(), joined["gid"].fillna(-1).to_numpy(np.int64))
    pg_count, pg_one = matches(n, rows[:, 0], rows[:, 1])
    by_id, inside, boundary = np.argsort(index.ids), np.flatnonzero(ours >= 0), np.zeros(n, dtype=bool)
    grid_of = by_id[np.searchsorted(index.ids[by_id], ours[inside])]  # our grid's position in index.geoms
    boundary[inside] = shapely.intersects_xy(shapely.boundary(index.geoms)[grid_of], lon[inside], lat[inside])
    load_after = loadavg()

    def row(label: str, wall: float, cpu: float | None = None, note: str = "") -> None:
        print(f"  {label:<72} {wall:9.3f} {'' if cpu is None else f'{cpu:9.3f}':>9}   {note}")

    methods = dict(zip(*np.unique(result.method, return_counts=True), strict=True))
    print()
    print(f"Bulk assignment: {n:,} points ({n - int(n * OUTSIDE_SHARE):,} in the grids' bounding box, "
          f"{ON_BOUNDARY:,} of them on grid vertices / edge midpoints; {int(n * OUTSIDE_SHARE):,} up to "
          f"{OUTSIDE_BAND_M:.0f} m outside it), {len(index.ids)} grids (综合网格)")
    print(f"  {'':<72} {'wall s':>9} {'CPU s':>9}")
    row("ours: index build, geo.incidents.assign.load (PostGIS read + rasters; once)", t_build)
    row(f"ours: geo.incidents.assign.assign, full rule, median of {args.repeat}", ours_wall, ours_cpu,
        f"min {ours_min:.3f}, max {ours_max:.3f}; " + ", ".join(f"{k} {v:,}" for k, v in methods.items()))
    row("geopandas: grids + points GeoDataFrames (not in the sjoin time)", t_gdf)
    row(f"geopandas: sjoin(points, grids, how='left', predicate='within'), median of {max(1, args.repeat // 2)}",
        sj_wall, sj_cpu, f"min {sj_min:.3f}, max {sj_max:.3f}; {len(joined):,} rows")
    row("PostGIS: points as EWKB text (client, not in the join time)", t_format)
    row("PostGIS: COPY pts + ANALYZE (not in the join time)", t_copy)
    row("PostGIS: CREATE TEMP TABLE AS ... LEFT JOIN grids ON ST_Within (server)", pg_wall, pg_cpu,
        f"{len(rows):,} rows; CPU: the session's process only, not its parallel workers")
    print("    plan: " + " | ".join(line.strip() for line in plan[:4]))
    row("PostGIS: the same join in one process (max_parallel_workers_per_gather 0)", pg1_wall, pg1_cpu)
    print()
    print("Ratios, reference ÷ ours (ours = assign only; with the index build in brackets):")
    for label, ref, target in (("sjoin", sj_wall, TARGET_SJOIN), ("PostGIS ST_Within join", pg_wall, TARGET_POSTGIS)):
        verdict = "met" if ref / ours_wall >= target else "NOT met"
        print(f"  {label:<24} {ref / ours_wall:6.1f}×  ({ref / (ours_wall + t_build):5.1f}×)   "
              f"target ≥ {target:g}×: {verdict}")
    print(f"  {'PostGIS, one process':<24} {pg1_wall / ours_wall:6.1f}×  ({pg1_wall / (ours_wall + t_build):5.1f}×)"
          f"   (CPU: {pg1_cpu / ours_cpu:.1f}×)")
    print()
    print("Agreement on inside points (ours: method 'inside'; references: grids whose interior holds the point):")
    agreement("geopandas sjoin", ours, sj_count, sj_one, boundary)
    agreement("PostGIS ST_Within", ours, pg_count, pg_one, boundary)
    print(f"  ours on a grid boundary: {boundary.sum():,} (within excludes the boundary, so the references "
          "give these points no grid rather than two)")
    print(f"\nload average (1/5/15 min) before: {load_before}, after: {load_after}; "
          f"total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
