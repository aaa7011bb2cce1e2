"""Coverage gaps: residential buildings beyond walking reach of a station, and H3 hexagons of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import h3
import numpy as np
import psycopg
import shapely

from geo.coords.crs import to_ewkb
from geo.db import sql as sql_file
from geo.errors import BadRequest
from geo.layers.export import COORDINATE_DECIMALS
from geo.walking.access import ANY_KIND
from geo.walking.coverage import DEFAULT_LIMIT_M, access_run, check_kind

# H3 resolution 10: hexagons about 150 m across (average edge 76 m, area 0.015 km²).
DEFAULT_RESOLUTION = 10


@dataclass(frozen=True)
class GapReport:
    """One stored gap computation (residents and buildings beyond `limit_m` metres' walk)."""

    run_id: int
    residents: int
    uncovered_residents: int
    buildings: int
    hexagons: int

    @property
    def uncovered_share(self) -> float | None:
        """Uncovered residents over all residents (None when there are none)."""
        return self.uncovered_residents / self.residents if self.residents else None


def hexagons(lon: np.ndarray, lat: np.ndarray, weights: np.ndarray,
             resolution: int = DEFAULT_RESOLUTION) -> list[tuple[str, int, int, shapely.Polygon]]:
    """(H3 cell, points, summed weight, hexagon in lon/lat degrees) for the cells holding points, by cell id."""
    if not 0 <= resolution <= 15:
        raise BadRequest(f"H3 分辨率须为0～15，实际为{resolution}")
    cells = np.array([h3.latlng_to_cell(float(y), float(x), resolution) for x, y in zip(lon, lat, strict=True)],
                     dtype=object)
    if len(cells) == 0:
        return []
    unique, inverse = np.unique(cells, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(unique))
    sums = np.bincount(inverse, weights=weights, minlength=len(unique))
    return [(str(cell), int(counts[i]), int(round(sums[i])),
             shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(cell)])) for i, cell in enumerate(unique)]


def recompute(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
              include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M,
              resolution: int = DEFAULT_RESOLUTION) -> GapReport:
    """Store the uncovered buildings and their hexagons for stations of `kind` open at `at`.

    Uses the stored access run for that hour (see `geo.walking.access.recompute`); replaces an earlier
    gap computation with the same inputs, in one transaction.
    """
    if not limit_m > 0:
        raise BadRequest(f"步行距离上限须大于0米，实际为{limit_m}")
    check_kind(kind)
    run = access_run(conn, at=at, include_planned=include_planned)
    rows = conn.execute(sql_file("gap_buildings_select"),
                        {"run_id": run, "kind": kind, "limit_m": limit_m}).fetchall()
    residents = conn.execute("SELECT coalesce(sum(residents), 0) FROM buildings WHERE residents > 0").fetchone()[0]
    weights = np.array([r[1] for r in rows], dtype=np.int64)
    cells = hexagons(np.array([r[3] for r in rows], dtype=float), np.array([r[4] for r in rows], dtype=float),
                     weights, resolution)
    with conn.transaction():
        conn.execute("DELETE FROM gap_runs WHERE access_run_id = %s AND station_kind = %s AND limit_m = %s "
                     "AND h3_resolution = %s", (run, kind, limit_m, resolution))
        gap_run = conn.execute(
            "INSERT INTO gap_runs (access_run_id, station_kind, limit_m, h3_resolution, residents, uncovered_residents) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (run, kind, limit_m, resolution, int(residents), int(weights.sum()))).fetchone()[0]
        with conn.cursor().copy("COPY gap_buildings (run_id, building_id, residents, distance_m) FROM STDIN") as copy:
            for building_id, people, distance, _, _ in rows:
                copy.write_row((gap_run, building_id, people, distance))
        with conn.cursor().copy("COPY gap_hexagons (run_id, h3, buildings, uncovered_residents, geom) "
                                "FROM STDIN") as copy:
            for cell, count, people, polygon in cells:
                copy.write_row((gap_run, cell, count, people, to_ewkb(polygon)))
    return GapReport(gap_run, int(residents), int(weights.sum()), len(rows), len(cells))


def geojson(conn: psycopg.Connection, layer: str, *, kind: str = ANY_KIND, at: dt.time | None = None,
            include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M,
            resolution: int = DEFAULT_RESOLUTION) -> bytes:
    """The stored gap layer ('hexagons' or 'buildings') as GeoJSON in EPSG:4326; no personal data."""
    if layer not in ("hexagons", "buildings"):
        raise BadRequest(f"缺口图层应为 hexagons 或 buildings，实际为“{layer}”")
    run = access_run(conn, at=at, include_planned=include_planned)
    row = conn.execute(sql_file(f"gap_{layer}_geojson"), {
        "run_id": run, "kind": check_kind(kind), "limit_m": limit_m, "resolution": resolution,
        "decimals": COORDINATE_DECIMALS}).fetchone()
    return row[0].encode("utf-8")
