"""Vector tiles of the base layers over HTTP: content against shapely on the same rows, zooms, caching, errors."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from geo.tiles import mvt
from tests.api.clients import app_client
from tests.api.mvt_reader import read

SEED = 20261205
HALF_WORLD_M = 20037508.342789244
EXTENT = 4096
BUFFER = 64  # ST_AsMVTGeom's buffer in tile units (geo/db/sql/tiles/*.sql)


@pytest.fixture(scope="module")
def client(make_demo_database) -> Iterator[TestClient]:
    url = make_demo_database("tiles_api")
    with app_client(url, "viewer") as test_client:
        test_client.database_url = url
        yield test_client


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def envelope(z: int, x: int, y: int, margin_units: float) -> shapely.Polygon:
    """The tile's Web Mercator box widened by `margin_units` tile units."""
    size = 2 * HALF_WORLD_M / 2 ** z
    pad = size * margin_units / EXTENT
    west, north = -HALF_WORLD_M + x * size, HALF_WORLD_M - y * size
    return shapely.box(west - pad, north - size - pad, west + size + pad, north + pad)


def test_grid_tiles_hold_exactly_the_grids_shapely_finds_in_them(client: TestClient) -> None:
    with psycopg.connect(client.database_url) as conn:
        rows = conn.execute("SELECT code, ST_AsBinary(geom) FROM grids").fetchall()
        west, south, east, north = conn.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x"
        ).fetchone()
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    codes = np.array([r[0] for r in rows])
    shapes = shapely.transform(shapely.from_wkb([r[1] for r in rows]),
                               lambda xy: np.column_stack(to_mercator.transform(xy[:, 0], xy[:, 1])))
    rng = np.random.default_rng(SEED)
    for _ in range(12):
        z = int(rng.integers(14, 18))
        x, y = tile_of(rng.uniform(west, east), rng.uniform(south, north), z)
        answer = client.get(f"/tiles/grids/{z}/{x}/{y}.mvt")
        assert answer.status_code == 200 and answer.headers["content-type"] == mvt_type()
        found = {f["code"] for f in read(answer.content).get("grids", [])}
        inside = set(codes[shapely.intersects(shapes, envelope(z, x, y, BUFFER - 1))])
        near = set(codes[shapely.intersects(shapes, envelope(z, x, y, BUFFER + 1))])
        assert inside <= found <= near, (z, x, y)


def mvt_type() -> str:
    return "application/vnd.mapbox-vector-tile"


def test_names_streets_and_buildings_at_street_level(client: TestClient) -> None:
    with psycopg.connect(client.database_url) as conn:
        name, lon, lat = conn.execute("SELECT name, ST_X(p), ST_Y(p) FROM (SELECT name, ST_PointOnSurface(geom) AS p "
                                      "FROM communities ORDER BY code LIMIT 1) AS c").fetchone()
    x, y = tile_of(lon, lat, 15)
    communities = read(client.get(f"/tiles/communities/15/{x}/{y}.mvt").content)
    assert name in {f["name"] for f in communities["communities_labels"]}
    assert read(client.get(f"/tiles/streets/15/{x}/{y}.mvt").content)["streets"]
    assert read(client.get(f"/tiles/buildings/15/{x}/{y}.mvt").content)["buildings"]
    x, y = tile_of(lon, lat, 13)  # below the detail zoom: arterials and streets only
    kinds = {f["kind"] for f in read(client.get(f"/tiles/streets/13/{x}/{y}.mvt").content)["streets"]}
    assert kinds <= {"arterial", "street", "bridge"} and kinds


def test_below_a_layers_zoom_and_away_from_the_data_tiles_are_empty(client: TestClient) -> None:
    assert client.get("/tiles/buildings/10/835/408.mvt").content == b""
    assert client.get("/tiles/grids/16/0/0.mvt").content == b""


def test_tiles_carry_the_data_version_and_answer_304_while_it_holds(client: TestClient) -> None:
    first = client.get("/tiles/districts/12/3336/1605.mvt")
    etag = first.headers["etag"]
    assert client.get("/tiles/districts/12/3336/1605.mvt", headers={"If-None-Match": etag}).status_code == 304
    with psycopg.connect(client.database_url) as conn:
        conn.execute("INSERT INTO imports (layer, source, source_crs, mode, rows_read, rows_loaded) "
                     "VALUES ('districts', 'test', 'EPSG:4326', 'replace', 0, 0)")
    again = client.get("/tiles/districts/12/3336/1605.mvt", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


def test_bad_tiles_are_clear_errors(client: TestClient) -> None:
    assert client.get("/tiles/incidents/15/0/0.mvt").status_code == 404
    assert client.get("/tiles/grids/3/8/0.mvt").status_code == 400
    assert client.get(f"/tiles/grids/{mvt.MAX_ZOOM + 1}/0/0.mvt").status_code == 422
    assert client.get("/tiles/grids/15/-1/0.mvt").status_code == 422
