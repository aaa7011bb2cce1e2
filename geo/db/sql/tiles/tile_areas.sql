-- One vector tile of an administrative layer ({table}): the outlines with code and name, and,
-- when %(labels)s, one label point per area (its point on surface) with a wide buffer, so that a
-- name near a tile's edge is drawn whole by both tiles it straddles.
WITH tile AS (SELECT * FROM wangge_tile(%(z)s, %(x)s, %(y)s, %(margin)s)),
outlines AS (
    SELECT a.code, a.name, ST_AsMVTGeom(ST_Transform(a.geom, 3857), tile.env, 4096, 64, true) AS geom
    FROM {table} AS a, tile
    WHERE a.geom && tile.box
),
labels AS (
    SELECT p.code, p.name, ST_AsMVTGeom(ST_Transform(p.geom, 3857), tile.env, 4096, 1024, false) AS geom
    FROM (SELECT a.code, a.name, ST_PointOnSurface(a.geom) AS geom
          FROM {table} AS a, tile
          WHERE %(labels)s AND a.name IS NOT NULL AND a.geom && tile.box) AS p, tile
    WHERE p.geom && tile.box
)
SELECT (SELECT coalesce(ST_AsMVT(outlines, %(layer)s, 4096, 'geom'), '') FROM outlines WHERE geom IS NOT NULL)
    || (SELECT coalesce(ST_AsMVT(labels, %(label_layer)s, 4096, 'geom'), '') FROM labels WHERE geom IS NOT NULL)
