"""Vector tiles of the base layers: the walking network, buildings, barriers and the administrative areas.

Each tile layer is drawn from `min_zoom` on (an empty tile below, answered without the
database), its names as a separate label layer (`<layer>_labels`, points) from `label_zoom`
to `label_max_zoom`. Tiles are kept in memory per data version, the last import of the
tables behind the layer (table `imports`): a new import makes the next request draw afresh.
Coordinates are Web Mercator tiles (XYZ, as Leaflet asks for them).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import psycopg
from psycopg import sql

from geo.db import sql as sql_file
from geo.errors import BadRequest, NotFound

MAX_ZOOM = 22
# The label layers' buffer is a quarter of the tile (1024 of 4096): names up to half a tile
# wide are drawn whole across tile edges. The query's box takes the same margin.
LABEL_MARGIN = 0.25
STREET_ZOOM = 13  # streets from this zoom on (arterials and bridges at every zoom)
STREET_DETAIL_ZOOM = 15  # alleys, paths and the rest from this zoom on
CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TileLayer:
    """One tile layer: its table, the zooms it is drawn at, and those its names are shown at."""

    name: str
    table: str
    min_zoom: int
    label_zoom: int | None = None
    label_max_zoom: int = MAX_ZOOM
    query: str = "tile_areas"


# In drawing order, bottom first: ground, water and rails, streets, then the outlines, finest first.
LAYERS: dict[str, TileLayer] = {layer.name: layer for layer in (
    TileLayer("buildings", "buildings", 14, query="tile_buildings"),
    TileLayer("barriers", "barriers", 10, 13, query="tile_barriers"),
    TileLayer("streets", "network_edges", 12, query="tile_streets"),
    TileLayer("grids", "grids", 14, 16),
    TileLayer("communities", "communities", 12, 14, 16),
    TileLayer("streets_admin", "streets", 10, 12, 14),
    TileLayer("districts", "districts", 8, 8, 12),
)}
_VERSION = "SELECT coalesce(max(id), 0) FROM imports WHERE layer = %s"


class _Cache:
    """Tiles by (database, layer, version, z, x, y), least recently used out past CACHE_BYTES."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            found = self.tiles.get(key)
            if found is not None:
                self.tiles.move_to_end(key)
            return found

    def put(self, key: tuple, tile: bytes) -> None:
        with self.lock:
            if key not in self.tiles:
                self.tiles[key] = tile
                self.size += len(tile)
            while self.size > self.budget and self.tiles:
                _, dropped = self.tiles.popitem(last=False)
                self.size -= len(dropped)


_cache = _Cache(CACHE_BYTES)


def layer_of(name: str) -> TileLayer:
    """The tile layer called `name`; NotFound naming the ones there are."""
    if name not in LAYERS:
        raise NotFound(f"没有名为“{name}”的瓦片图层（可用：{'、'.join(LAYERS)}）")
    return LAYERS[name]


def check_tile(z: int, x: int, y: int) -> None:
    """BadRequest unless z is 0–MAX_ZOOM and x, y lie within that zoom's 2^z × 2^z tiles."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadRequest(f"z：缩放级别须在0～{MAX_ZOOM}之间")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise BadRequest(f"x、y：第{z}级的瓦片编号须在0～{2 ** z - 1}之间")


def version(conn: psycopg.Connection, layer: TileLayer) -> int:
    """The data version of `layer`: the id of the last import of its table (0 if none)."""
    return conn.execute(_VERSION, (layer.table,)).fetchone()[0]


def tile(conn: psycopg.Connection, layer: TileLayer, z: int, x: int, y: int, data_version: int) -> bytes:
    """The MVT bytes of one tile (empty below the layer's zooms), from the cache when drawn before."""
    check_tile(z, x, y)
    if z < layer.min_zoom:
        return b""
    key = (conn.info.host, conn.info.port, conn.info.dbname, layer.name, data_version, z, x, y)
    found = _cache.get(key)
    if found is not None:
        return found
    labels = layer.label_zoom is not None and layer.label_zoom <= z <= layer.label_max_zoom
    query = sql.SQL(sql_file(layer.query)).format(table=sql.Identifier(layer.table))
    # The planner prices ST_AsMVTGeom high and JIT-compiles the query: 115 ms of compiling for a
    # 5 ms tile. Off for this transaction only.
    conn.execute("SET LOCAL jit = off")
    drawn = bytes(conn.execute(query, {
        "z": z, "x": x, "y": y, "margin": LABEL_MARGIN, "labels": labels, "street_zoom": STREET_ZOOM, "detail_zoom": STREET_DETAIL_ZOOM,
        "layer": layer.name, "label_layer": f"{layer.name}_labels"}).fetchone()[0] or b"")
    _cache.put(key, drawn)
    return drawn
