-- Vector tiles (geo/db/sql/tiles): a tile's Web Mercator envelope, and the same widened by
-- `margin` (a share of the tile) in EPSG:4326, to find the rows that may fall in it by index.
CREATE FUNCTION wangge_tile(z integer, x integer, y integer, margin double precision,
                            OUT env geometry, OUT box geometry)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_TileEnvelope(z, x, y), ST_Transform(ST_TileEnvelope(z, x, y, margin => margin), 4326)
$$;
