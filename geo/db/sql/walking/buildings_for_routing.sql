-- Buildings with a point on their surface (lon/lat), from which residents walk out, and their residents.
SELECT id, ST_X(p), ST_Y(p), residents
FROM (SELECT id, residents, ST_PointOnSurface(geom) AS p FROM buildings) AS b
ORDER BY id
