-- Buildings with a point on their surface (lon/lat), from which residents walk out.
SELECT id, ST_X(p), ST_Y(p)
FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM buildings) AS b
ORDER BY id
