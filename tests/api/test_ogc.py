"""Desktop GIS reads whole layers: GDAL's OAPIF driver (what QGIS uses for OGC API) follows the `next` links
of /ogc/collections/{name}/items to the end; GDAL's GeoJSON driver reads one page and the page says so.

GDAL runs in a child process: pyogrio keeps the GIL while GDAL reads, which would starve the server's thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from geo.settings import DatabaseSettings
from tests.api.clients import app_client, ensure_accounts, token
from tests.browser.harness import LiveServer, serve_app

READ = """
import json, sys
import pyogrio
source, layer, options = sys.argv[1], sys.argv[2] or None, json.loads(sys.argv[3])
frame = pyogrio.read_dataframe(source, layer=layer, **options)
print(json.dumps({"codes": sorted(frame["code"]), "epsg": frame.crs.to_epsg(),
                  "layers": [name for name, _ in pyogrio.list_layers(source)]}))
"""


def gdal(source: str, layer: str = "", **options: str) -> dict:
    """What GDAL reads from `source` (codes of `layer`, its EPSG code, the dataset's layers), as the viewer."""
    env = {**os.environ, "GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token("viewer"), "GDAL_HTTP_TIMEOUT": "60"}
    done = subprocess.run([sys.executable, "-c", READ, source, layer, json.dumps(options)], env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("ogc")


@pytest.fixture(scope="module")
def live(database: str) -> Iterator[LiveServer]:
    ensure_accounts(database)
    with serve_app(create_app(DatabaseSettings(url=database), ApiSettings())) as server:
        yield server


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database, "viewer") as test_client:
        yield test_client


def test_gdal_oapif_reads_every_building_by_next_links(live: LiveServer, database: str) -> None:
    read = gdal("OAPIF:" + live.url("/ogc"), "buildings", PAGE_SIZE="2000")  # four pages of at most 2,000
    with psycopg.connect(database) as conn:
        expected = sorted(r[0] for r in conn.execute("SELECT code FROM buildings"))
    assert read["codes"] == expected and len(expected) == 6097 and read["epsg"] == 4326
    assert {"buildings", "grids", "stations", "network_edges"} <= set(read["layers"])


def test_gdal_geojson_driver_reads_one_page_which_states_the_total(live: LiveServer, client: TestClient) -> None:
    """GDAL's GeoJSON driver ignores numberMatched and links: the page tells a reader, not GDAL."""
    assert len(gdal("GeoJSON:" + live.url("/layers/buildings"))["codes"]) == ApiSettings().default_page_size
    page = client.get("/layers/buildings").json()
    assert page["numberMatched"] == 6097 and any(link["rel"] == "next" for link in page["links"])


def test_ogc_documents(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "service-desc", "conformance", "data"}
    assert client.get("/ogc/conformance").json()["conformsTo"]
    found = {c["id"]: c for c in client.get("/ogc/collections").json()["collections"]}
    assert "categories" not in found and found["buildings"]["title"] == "楼栋"
    west, south, east, north = found["buildings"]["extent"]["spatial"]["bbox"][0]
    assert 112 < west < east < 114 and 35 < south < north < 37
    assert client.get("/ogc/collections/categories").status_code == 404
    items = client.get("/ogc/collections/stations/items", params={"limit": 50})
    assert items.headers["content-type"] == "application/geo+json"
    same = client.get("/layers/stations", params={"limit": 50}).json()
    assert items.json()["features"] == same["features"] and items.json()["numberMatched"] == same["numberMatched"]
