"""Layers as GeoJSON FeatureCollections, paged and filtered by bounding box, built in SQL."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from geo.errors import BadRequest
from geo.layers.schema import Layer

# Extra columns of imported files (attrs) are published only where declared public.
PUBLIC_ATTRS = sql.SQL(
    "(SELECT coalesce(jsonb_object_agg(e.key, e.value), '{{}}') FROM jsonb_each(attrs) AS e "
    "WHERE e.key IN (SELECT p.name FROM public.public_attributes AS p WHERE p.layer = {layer})) AS attrs")

# Six decimals of a degree are about 0.1 m: finer digits only add bytes.
COORDINATE_DECIMALS = 6


@dataclass(frozen=True)
class BBox:
    """A lon/lat bounding box in EPSG:4326 degrees."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """Parse 'west,south,east,north' in degrees, checking ranges and order."""
        try:
            west, south, east, north = (float(v) for v in text.split(","))
        except ValueError:
            raise BadRequest(f"bbox 应为“西,南,东,北”四个经纬度数值，实际为“{text}”") from None
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise BadRequest(f"bbox 超出范围或顺序错误：{text}（应为 西,南,东,北，经度−180～180，纬度−90～90）")
        return cls(west, south, east, north)


def feature_collection(conn: psycopg.Connection, layer: Layer, *, bbox: BBox | None,
                       limit: int, offset: int) -> bytes:
    """One page of `layer` as GeoJSON (UTF-8 bytes), ordered by key, with match counts."""
    columns = sql.SQL(", ").join([*map(sql.Identifier, layer.exported_columns()), PUBLIC_ATTRS.format(
        layer=sql.Literal(layer.name))])
    where = sql.SQL("TRUE")
    params: dict[str, object] = {"limit": limit, "offset": offset, "decimals": COORDINATE_DECIMALS}
    if bbox is not None:
        where = sql.SQL("geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)")
        params.update(vars(bbox))
    query = sql.SQL("""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'name', {name},
            'numberMatched', (SELECT count(*) FROM {table} WHERE {where}),
            'numberReturned', count(*),
            'features', coalesce(json_agg(ST_AsGeoJSON(page.*, 'geom', %(decimals)s)::json), '[]'::json)
        )::text
        FROM (SELECT {columns}, geom FROM {table} WHERE {where}
              ORDER BY {key} LIMIT %(limit)s OFFSET %(offset)s) AS page
    """).format(name=sql.Literal(layer.name), table=sql.Identifier(layer.name), where=where,
                columns=columns, key=sql.SQL(", ").join(map(sql.Identifier, layer.key)))
    return conn.execute(query, params).fetchone()[0].encode("utf-8")


def extents(conn: psycopg.Connection, layers: list[Layer]) -> dict[str, tuple[float, float, float, float] | None]:
    """Each layer's bounding box (west, south, east, north in EPSG:4326 degrees); None for an empty layer."""
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM {table}) AS x").format(
            name=sql.Literal(layer.name), table=sql.Identifier(layer.name))
        for layer in layers)
    return {name: None if west is None else (west, south, east, north)
            for name, west, south, east, north in conn.execute(query).fetchall()}


def declare_public(conn: psycopg.Connection, layer: Layer, names: list[str]) -> None:
    """Publish the extra columns `names` of `layer` (API, maps, the reader role); the others stay private."""
    conn.execute("DELETE FROM public_attributes WHERE layer = %s", (layer.name,))
    for name in names:
        conn.execute("INSERT INTO public_attributes (layer, name) VALUES (%s, %s)", (layer.name, name))
