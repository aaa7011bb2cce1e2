-- Residential buildings farther than %(limit_m)s m from a counting station (or with none
-- reachable), with a point on their surface (lon/lat), their code and their grid's code.
-- Walking distances come as arrays aligned by building, computed on request (NULL: unreachable).
WITH a AS (
    SELECT * FROM unnest(%(building_ids)s::bigint[], %(distances)s::float8[]) AS a(building_id, distance_m)
)
SELECT bu.id, bu.residents, a.distance_m, ST_X(p.p), ST_Y(p.p), bu.code, g.code
FROM buildings AS bu
LEFT JOIN a ON a.building_id = bu.id
LEFT JOIN grids AS g ON g.id = bu.grid_id
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(bu.geom) AS p) AS p
WHERE bu.residents > 0 AND (a.distance_m IS NULL OR a.distance_m > %(limit_m)s)
ORDER BY bu.id
