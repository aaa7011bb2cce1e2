-- One vector tile of the barriers (rivers, railways, …) with kind and name, and, when
-- %(labels)s, each name once per tile, at the middle of a line (a river's centre line before its
-- banks) or a point on a polygon.
WITH tile AS (SELECT * FROM wangge_tile(%(z)s, %(x)s, %(y)s, %(margin)s)),
shapes AS (
    SELECT b.kind, b.name, ST_AsMVTGeom(ST_Transform(b.geom, 3857), tile.env, 4096, 64, true) AS geom
    FROM barriers AS b, tile
    WHERE b.geom && tile.box
),
labels AS (
    SELECT p.kind, p.name, ST_AsMVTGeom(ST_Transform(p.geom, 3857), tile.env, 4096, 1024, false) AS geom
    FROM (SELECT DISTINCT ON (b.name) b.kind, b.name,
                 CASE WHEN GeometryType(b.geom) = 'LINESTRING' THEN ST_LineInterpolatePoint(b.geom, 0.5)
                      ELSE ST_PointOnSurface(b.geom) END AS geom
          FROM barriers AS b, tile
          WHERE %(labels)s AND b.name IS NOT NULL AND b.geom && tile.box
          ORDER BY b.name, ST_Dimension(b.geom), b.code) AS p, tile
    WHERE p.geom && tile.box
)
SELECT (SELECT coalesce(ST_AsMVT(shapes, 'barriers', 4096, 'geom'), '') FROM shapes WHERE geom IS NOT NULL)
    || (SELECT coalesce(ST_AsMVT(labels, 'barriers_labels', 4096, 'geom'), '') FROM labels WHERE geom IS NOT NULL)
