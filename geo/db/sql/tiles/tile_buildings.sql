-- One vector tile of the buildings: outline, use (`kind`) and floors; nothing about who lives there.
WITH tile AS (SELECT * FROM wangge_tile(%(z)s, %(x)s, %(y)s, %(margin)s)),
outlines AS (
    SELECT b.kind, b.floors, ST_AsMVTGeom(ST_Transform(b.geom, 3857), tile.env, 4096, 64, true) AS geom
    FROM buildings AS b, tile
    WHERE b.geom && tile.box
)
SELECT coalesce(ST_AsMVT(outlines, 'buildings', 4096, 'geom'), '') FROM outlines WHERE geom IS NOT NULL
