"""The generated demo district loads into PostGIS and passes every check of the loader."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest


@pytest.fixture(scope="module")
def db(demo_database_url: str):
    with psycopg.connect(demo_database_url) as conn:
        yield conn


def test_every_layer_is_loaded_whole(db, demo_dir: Path) -> None:
    counts = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))["counts"]
    for layer in ("districts", "streets", "communities", "grids", "buildings", "stations",
                  "candidates", "network_nodes", "network_edges", "barriers", "categories"):
        assert db.execute(f"SELECT count(*) FROM {layer}").fetchone()[0] == counts[layer], layer
    assert db.execute("SELECT count(*) FROM imports WHERE problems <> '[]'").fetchone()[0] == 0


def test_buildings_are_attached_to_the_grid_the_file_names(db, demo_dir: Path) -> None:
    named = gpd.read_file(demo_dir / "buildings.gpkg", columns=["code", "grid_code"], ignore_geometry=True)
    stored = dict(db.execute("SELECT b.code, g.code FROM buildings b JOIN grids g ON g.id = b.grid_id").fetchall())
    assert stored == dict(zip(named.code, named.grid_code, strict=True))


def test_grid_population_equals_its_buildings(db) -> None:
    mismatched = db.execute("""
        SELECT count(*) FROM grids g
        LEFT JOIN (SELECT grid_id, sum(residents) AS residents FROM buildings GROUP BY grid_id) b ON b.grid_id = g.id
        WHERE g.residents <> coalesce(b.residents, 0)""").fetchone()[0]
    assert mismatched == 0


def test_network_is_ready_for_pgrouting(db) -> None:
    # Every edge starts and ends at its nodes (the loader checked it); pgRouting agrees the graph is connected.
    components = db.execute("""
        SELECT count(DISTINCT component) FROM pgr_connectedComponents(
            'SELECT id, source, target, cost, reverse_cost FROM network_edges')""").fetchone()[0]
    assert components == 1
