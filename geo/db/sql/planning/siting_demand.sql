-- Residential buildings as siting demand: residents, street and a point on their surface (lon/lat).
SELECT b.id, b.code, b.residents, co.street_code, ST_X(p.p), ST_Y(p.p)
FROM buildings AS b
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS p) AS p
LEFT JOIN grids AS g ON g.id = b.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
WHERE b.residents > 0
ORDER BY b.id
