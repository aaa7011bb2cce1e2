"""Coverage gaps: residential buildings beyond walking reach of a station, and H3 hexagons of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import h3
import numpy as np
import psycopg
import shapely

from geo.coords.crs import to_ewkb
from geo.db import serialise
from geo.db import sql as sql_file
from geo.errors import BadRequest
from geo.layers.export import COORDINATE_DECIMALS
from geo.walking import access, live
from geo.walking.access import ANY_KIND
from geo.walking.coverage import DEFAULT_LIMIT_M, check_kind

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


@dataclass(frozen=True)
class Gaps:
    """Uncovered residential buildings and their hexagons, computed but not stored.

    `rows`: (building id, residents, walking distance in metres or None, lon, lat, building
    code, grid code) per uncovered building; `cells`: as `hexagons` returns them.
    """

    at: dt.time | None
    include_planned: bool
    kind: str
    limit_m: float
    resolution: int
    residents: int
    rows: list[tuple]
    cells: list[tuple[str, int, int, shapely.Polygon]]

    @property
    def uncovered_residents(self) -> int:
        return int(sum(r[1] for r in self.rows))

    def features(self, layer: str) -> dict[str, object]:
        """The layer ('hexagons' or 'buildings') as a GeoJSON FeatureCollection, as `geojson` gives it stored."""
        if layer == "hexagons":
            cells = sorted(self.cells, key=lambda c: (-c[2], c[0]))
            features = [{"type": "Feature", "properties": {"h3": cell, "buildings": count, "uncovered_residents": people},
                         "geometry": shapely.geometry.mapping(shapely.set_precision(polygon, 10 ** -COORDINATE_DECIMALS))}
                        for cell, count, people, polygon in cells]
        elif layer == "buildings":
            rows = sorted(self.rows, key=lambda r: r[5])
            features = [{"type": "Feature", "properties": {
                "building_code": code, "residents": people, "grid_code": grid,
                "distance_m": None if distance is None else round(float(distance), 1)},
                "geometry": {"type": "Point", "coordinates": [round(lon, COORDINATE_DECIMALS),
                                                              round(lat, COORDINATE_DECIMALS)]}}
                for _, people, distance, lon, lat, code, grid in rows]
        else:
            raise BadRequest(f"缺口图层应为 hexagons 或 buildings，实际为“{layer}”")
        return {"type": "FeatureCollection", "numberMatched": len(features), "numberReturned": len(features),
                "features": features}


def compute(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
            include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M,
            resolution: int = DEFAULT_RESOLUTION) -> Gaps:
    """The uncovered buildings and their hexagons for stations of `kind` open at `at`; reads only.

    Walking distances are computed on request for any hour (geo.walking.live).
    """
    if not limit_m > 0:
        raise BadRequest(f"步行距离上限须大于0米，实际为{limit_m}")
    found = live.access(conn, kind=check_kind(kind), at=at, include_planned=include_planned)
    rows = conn.execute(sql_file("gap_buildings_select"), {**found.sql_arrays(), "limit_m": limit_m}).fetchall()
    residents = conn.execute("SELECT coalesce(sum(residents), 0) FROM buildings WHERE residents > 0").fetchone()[0]
    cells = hexagons(np.array([r[3] for r in rows], dtype=float), np.array([r[4] for r in rows], dtype=float),
                     np.array([r[1] for r in rows], dtype=np.int64), resolution)
    return Gaps(at, include_planned, kind, limit_m, resolution, int(residents), rows, cells)


def store(conn: psycopg.Connection, gaps: Gaps) -> GapReport:
    """Store computed gaps, replacing an earlier computation with the same inputs, in one transaction.

    A gap run belongs to the stored access run of its hour, stored first when there is none.
    Concurrent stores take turns (one lock for all gap runs), so they cannot collide.
    """
    with conn.transaction():
        run = access.stored_run(conn, at=gaps.at, include_planned=gaps.include_planned)
        if run is None:
            run = access.recompute(conn, at=gaps.at, include_planned=gaps.include_planned).run_id
        key = (run, gaps.kind, gaps.limit_m, gaps.resolution)
        serialise(conn, "gap_runs")
        conn.execute("DELETE FROM gap_runs WHERE access_run_id = %s AND station_kind = %s AND limit_m = %s "
                     "AND h3_resolution = %s", key)
        gap_run = conn.execute(
            "INSERT INTO gap_runs (access_run_id, station_kind, limit_m, h3_resolution, residents, uncovered_residents) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id", (*key, gaps.residents, gaps.uncovered_residents)).fetchone()[0]
        with conn.cursor().copy("COPY gap_buildings (run_id, building_id, residents, distance_m) FROM STDIN") as copy:
            for building_id, people, distance, *_ in gaps.rows:
                copy.write_row((gap_run, building_id, people, distance))
        with conn.cursor().copy("COPY gap_hexagons (run_id, h3, buildings, uncovered_residents, geom) "
                                "FROM STDIN") as copy:
            for cell, count, people, polygon in gaps.cells:
                copy.write_row((gap_run, cell, count, people, to_ewkb(polygon)))
    return GapReport(gap_run, gaps.residents, gaps.uncovered_residents, len(gaps.rows), len(gaps.cells))


def recompute(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
              include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M,
              resolution: int = DEFAULT_RESOLUTION) -> GapReport:
    """Compute and store the gaps for stations of `kind` open at `at` (see `compute` and `store`)."""
    return store(conn, compute(conn, kind=kind, at=at, include_planned=include_planned, limit_m=limit_m,
                               resolution=resolution))


def geojson(conn: psycopg.Connection, layer: str, *, kind: str = ANY_KIND, at: dt.time | None = None,
            include_planned: bool = False, limit_m: float = DEFAULT_LIMIT_M,
            resolution: int = DEFAULT_RESOLUTION) -> dict[str, object]:
    """The gap layer ('hexagons' or 'buildings') as GeoJSON in EPSG:4326, computed on request; no personal data."""
    if layer not in ("hexagons", "buildings"):
        raise BadRequest(f"缺口图层应为 hexagons 或 buildings，实际为“{layer}”")
    return compute(conn, kind=kind, at=at, include_planned=include_planned, limit_m=limit_m,
                   resolution=resolution).features(layer)
