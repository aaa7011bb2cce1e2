-- Residential buildings farther than %(limit_m)s m from an open station of %(kind)s in access
-- run %(run_id)s (or with none reachable), with a point on their surface (lon/lat), their code
-- and their grid's code.
SELECT bu.id, bu.residents, a.distance_m, ST_X(p.p), ST_Y(p.p), bu.code, g.code
FROM buildings AS bu
LEFT JOIN building_access AS a ON a.building_id = bu.id AND a.run_id = %(run_id)s AND a.station_kind = %(kind)s
LEFT JOIN grids AS g ON g.id = bu.grid_id
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(bu.geom) AS p) AS p
WHERE bu.residents > 0 AND (a.distance_m IS NULL OR a.distance_m > %(limit_m)s)
ORDER BY bu.id
