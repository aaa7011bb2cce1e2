"""Bulk assignment (geo.incidents.assign) against the SQL function `wangge_grid_for_point`, point for point.

The reference is PostGIS itself; GEOS (shapely `covered_by`) is a second, independent reference for
the points inside a grid. On the demo district GEOS and PostGIS agree; the synthetic grids add what the
demo lacks (a hole filled by another grid, a two-part grid, a vertex-only contact, another grid system
and fallback distance) and points on a diagonal edge where PostGIS's plain-double arithmetic and GEOS's
robust predicate disagree, so the replay of PostGIS's test is really exercised.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import psycopg
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geo.incidents.assign import WGS84, GridIndex, assign, load

DIST_TOL_M = 0.01  # distances must agree with PostGIS geography within 1 cm
OFFSETS_M = (50.0, 150.0, 250.0)  # points this far outside the district's outer boundary

SQL = """
    SELECT array_agg(coalesce(a.grid_id, -1) ORDER BY p.i), array_agg(a.method ORDER BY p.i),
           array_agg(coalesce(a.distance_m, 'NaN') ORDER BY p.i)
    FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, i),
    LATERAL wangge_grid_for_point(CASE WHEN p.lon = 'NaN' THEN NULL
                                       ELSE ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) END) AS a"""


def _sql(conn: psycopg.Connection, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, ...]:
    """The SQL function's answer for every point (NaN lon: a NULL point), in one statement."""
    ids, methods, dist = conn.execute(SQL, (lon.tolist(), lat.tolist())).fetchone()
    return np.array(ids, dtype=np.int64), np.array(methods, dtype=object), np.array(dist, dtype=np.float64)


def _geos(index: GridIndex, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Plain shapely: id of the covering grid with the smallest code, or -1."""
    p, g = shapely.STRtree(index.geoms).query(shapely.points(lon, lat), predicate="covered_by")
    first = np.full(len(lon), len(index.ids))
    np.minimum.at(first, p, g)  # index.geoms are in code order
    return np.append(index.ids, -1)[np.where(first == len(index.ids), -1, first)]


def _assert_same(index: GridIndex, conn: psycopg.Connection, lon: np.ndarray, lat: np.ndarray) -> tuple:
    """Ours equals SQL: grid ids and methods exactly, distances within DIST_TOL_M."""
    ours = assign(index, lon, lat)
    ids, methods, dist = _sql(conn, lon, lat)
    bad = np.flatnonzero((ours.grid_id != ids) | (ours.method != methods))
    assert bad.size == 0, [(lon[i], lat[i], ids[i], methods[i], ours.grid_id[i], ours.method[i]) for i in bad[:5]]
    np.testing.assert_allclose(ours.distance_m, dist, rtol=0, atol=DIST_TOL_M, equal_nan=True)
    return ids, methods, dist


def _vertices_and_midpoints(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct ring vertex, and the midpoint of every edge (shared edges come twice)."""
    xy, ring = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(geoms)), return_index=True)
    same = ring[1:] == ring[:-1]
    return np.unique(xy, axis=0), (xy[:-1][same] + xy[1:][same]) / 2


@pytest.fixture(scope="module")
def demo(demo_database_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(demo_database_url) as conn:
        yield conn
        conn.rollback()


def test_demo_district_agrees_with_postgis_and_geos(demo) -> None:
    index = load(demo)
    assert len(index.ids) == 476
    rng = np.random.default_rng(20261122)
    west, south, east, north = shapely.total_bounds(index.geoms)
    pad = 0.005  # degrees: about 450 m east-west, 550 m north-south
    n = 80_000
    lon, lat = rng.uniform(west - pad, east + pad, n), rng.uniform(south - pad, north + pad, n)
    vertices, midpoints = _vertices_and_midpoints(index.geoms)
    # Points OFFSETS_M outside the outer boundary, along the outward normal of random outer edges.
    outline = shapely.get_coordinates(shapely.orient_polygons(shapely.union_all(index.geoms)).exterior)
    k = rng.integers(0, len(outline) - 1, 2_000)
    base = outline[k] + rng.uniform(0, 1, (len(k), 1)) * (outline[k + 1] - outline[k])
    azimuth = WGS84.inv(outline[k, 0], outline[k, 1], outline[k + 1, 0], outline[k + 1, 1])[0] + 90.0
    out = [np.column_stack(WGS84.fwd(base[:, 0], base[:, 1], azimuth, np.full(len(k), d))[:2]) for d in OFFSETS_M]
    xy = np.concatenate([np.column_stack([lon, lat]), vertices, midpoints, *out, [[np.nan, np.nan]]])
    assert len(xy) >= 100_000
    ids, methods, dist = _assert_same(index, demo, xy[:, 0], xy[:, 1])

    counts = dict(zip(*np.unique(methods, return_counts=True), strict=True))
    assert counts["inside"] > 70_000 and counts["nearest"] > 2_000 and counts["out_of_area"] > 2_000
    assert counts["no_location"] == 1
    at = len(xy) - 1 - 3 * len(k)  # the offset points, 50 / 150 / 250 m
    for j, d in enumerate(OFFSETS_M):
        m, dd = methods[at + j * len(k):at + (j + 1) * len(k)], dist[at + j * len(k):at + (j + 1) * len(k)]
        assert np.median(dd) == pytest.approx(d, abs=1.0)
        assert np.mean(m == ("nearest" if d < 200 else "out_of_area")) > 0.9
    # GEOS, an independent reference for the inside case: the same grid wherever SQL says inside.
    geos = _geos(index, xy[:, 0], xy[:, 1])
    assert np.array_equal(geos, np.where(methods == "inside", ids, -1))


@pytest.fixture
def synthetic(demo) -> Iterator[psycopg.Connection]:
    """The demo database plus grids of another system (党建网格) made the assignment system with a
    150 m fallback, inside a transaction rolled back afterwards."""
    community = demo.execute("SELECT code FROM communities ORDER BY code LIMIT 1").fetchone()[0]
    for serial, geom in enumerate(_synthetic_grids(), start=901):
        demo.execute("INSERT INTO grids (code, system, name, community_code, geom) "
                     "VALUES (%s, '党建网格', %s, %s, ST_Multi(ST_GeomFromWKB(%s, 4326)))",
                     (f"{community}{serial}", f"测试{serial}", community, shapely.to_wkb(geom)))
    demo.execute("UPDATE assignment_settings SET grid_system = '党建网格', fallback_m = 150")
    yield demo
    demo.rollback()


U, X0, Y0 = 0.002, 113.30, 36.30  # synthetic grids: unit (degrees, about 180-220 m) and origin
P1 = (X0, Y0 + 0.3 * U + 1.234567e-7)  # the diagonal edge shared by grids 901 (above) and 902 (below)
P2 = (X0 + 4 * U, Y0 + 3.7 * U - 7.654321e-8)
TRAP = (X0 + 0.1, Y0)


def _synthetic_grids() -> list:
    """901 above a diagonal; 902 below it, with a hole; 903 fills the hole; 904 two parts with a gap
    between them; 905 a triangle touching 904 at one vertex only. 906-914, around TRAP 9 km east:
    eight small squares 0.02° north of it and one 0.024° east, nearest in metres but 9th in degrees,
    so the SQL (8 nearest in degrees) does not see it."""
    hole = [(X0 + 2.5 * U, Y0 + 0.5 * U), (X0 + 3.5 * U, Y0 + 0.5 * U), (X0 + 3.5 * U, Y0 + 1.5 * U),
            (X0 + 2.5 * U, Y0 + 1.5 * U)]
    return [Polygon([P1, P2, (X0 + 4 * U, Y0 + 4 * U), (X0, Y0 + 4 * U)]),
            Polygon([(X0, Y0), (X0 + 4 * U, Y0), P2, P1], [hole]),
            Polygon(hole),
            MultiPolygon([box(X0 + 5 * U, Y0, X0 + 6 * U, Y0 + U), box(X0 + 5 * U, Y0 + 2 * U, X0 + 6 * U, Y0 + 3 * U)]),
            Polygon([(X0 + 6 * U, Y0 + U), (X0 + 7 * U, Y0 + U), (X0 + 7 * U, Y0)])] + \
        [box(*(np.array(TRAP * 2) + (dx, dy, dx, dy) + (-2.5e-4, -2.5e-4, 2.5e-4, 2.5e-4))) for dx, dy in
         [((i - 3.5) * 0.0015, 0.02) for i in range(8)] + [(0.024, 0.0)]]


def _on_diagonal_by_plain_doubles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Points PostGIS puts exactly on grid 901's edge P1 -> P2 (its side test, in doubles, gives 0) but
    not on it in exact arithmetic, where GEOS's robust predicate puts them on one side (in 902 for
    half of them: then SQL says 901, the smaller code of two covering grids, and GEOS says 902)."""
    (x1, y1), (x2, y2) = P1, P2
    t = rng.uniform(0.01, 0.99, 2_000_000)
    px, py = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
    zero = np.flatnonzero((x2 - x1) * (py - y1) - (px - x1) * (y2 - y1) == 0)
    exact = [(Fraction(x2) - Fraction(x1)) * (Fraction(py[i]) - Fraction(y1))
             - (Fraction(px[i]) - Fraction(x1)) * (Fraction(y2) - Fraction(y1)) for i in zero[:4 * n]]
    keep = zero[:4 * n][np.array(exact) != 0][:n]
    return np.column_stack([px[keep], py[keep]])


def test_holes_parts_other_system_and_plain_double_edges_agree_with_postgis(synthetic) -> None:
    index = load(synthetic)
    assert len(index.ids) == 14 and index.fallback_m == 150
    assert len(load(synthetic, system="综合网格").ids) == 476
    rng = np.random.default_rng(7)
    vertices, midpoints = _vertices_and_midpoints(index.geoms)
    ugly = _on_diagonal_by_plain_doubles(rng, 100)
    assert len(ugly) >= 50
    pad = 0.004
    sets = {
        "random": np.column_stack([rng.uniform(X0 - pad, X0 + 7 * U + pad, 20_000),
                                   rng.uniform(Y0 - pad, Y0 + 4 * U + pad, 20_000)]),
        "vertices": vertices, "midpoints": midpoints, "diagonal": ugly,
        "hole": np.column_stack([rng.uniform(X0 + 2.5 * U, X0 + 3.5 * U, 500),
                                 rng.uniform(Y0 + 0.5 * U, Y0 + 1.5 * U, 500)]),
        "gap": np.column_stack([rng.uniform(X0 + 5 * U, X0 + 6 * U, 500), rng.uniform(Y0 + U, Y0 + 2 * U, 500)]),
        "trap": np.array([TRAP]),
        "around": np.column_stack([rng.uniform(-0.03, 0.03, 2_000), rng.uniform(-0.01, 0.03, 2_000)]) + TRAP,
        "far": np.array([[X0 + 0.05, Y0 - 0.02], [X0 - 0.5, Y0 + 0.3], [0.0, 0.0], [np.nan, np.nan]]),
    }
    xy = np.concatenate(list(sets.values()))
    ids, methods, dist = _assert_same(index, synthetic, xy[:, 0], xy[:, 1])

    by = dict(zip(sets, np.split(np.arange(len(xy)), np.cumsum([len(v) for v in sets.values()])[:-1]),
                  strict=True))
    code = dict(zip(index.ids, range(901, 915), strict=True))
    assert {code.get(i) for i in ids[by["hole"]]} == {903}
    assert set(methods[by["gap"]]) == {"nearest"} and {code[i] for i in ids[by["gap"]]} == {904}
    assert list(methods[by["far"]]) == ["out_of_area"] * 3 + ["no_location"]
    east = WGS84.inv(*TRAP, TRAP[0] + 0.024 - 2.5e-4, TRAP[1])[2]  # the 9th in degrees, nearest in metres
    assert east < dist[by["trap"]][0] < east + 100
    # On the diagonal PostGIS and GEOS disagree, and the assignment follows PostGIS.
    geos = _geos(index, xy[by["diagonal"], 0], xy[by["diagonal"], 1])
    assert (geos != ids[by["diagonal"]]).sum() > 0
    assert len(assign(index, np.array([]), np.array([])).grid_id) == 0
