-- The streets for the monthly report's maps: code, name, a point inside for the label (lon/lat
-- degrees) and the outline simplified by %(tolerance)s degrees, as WKB in EPSG:4326.
SELECT code, name, ST_X(p) AS lon, ST_Y(p) AS lat,
       ST_AsBinary(ST_SimplifyPreserveTopology(geom, %(tolerance)s)) AS wkb
FROM (SELECT code, name, geom, ST_PointOnSurface(geom) AS p FROM streets) AS s
ORDER BY code
