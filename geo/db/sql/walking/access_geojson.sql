-- Per-building walking distance to the nearest station of %(kind)s, computed on request and
-- passed as arrays aligned by building (distance NULL: none reachable), as GeoJSON points (a
-- point on each building's surface); paged by building code, with the total matched.
WITH a AS (
    SELECT * FROM unnest(%(building_ids)s::bigint[], %(distances)s::float8[], %(station_ids)s::bigint[])
        AS a(building_id, distance_m, station_id)
), page AS (
    SELECT b.code AS building_code, b.residents, g.code AS grid_code, %(kind)s::text AS station_kind,
           s.code AS station_code, s.name AS station_name, round(a.distance_m::numeric, 2) AS distance_m,
           round((a.distance_m / (%(speed_kmh)s * 1000.0 / 60.0))::numeric, 1) AS walk_minutes,
           ST_PointOnSurface(b.geom) AS geom
    FROM buildings AS b
    LEFT JOIN a ON a.building_id = b.id
    LEFT JOIN grids AS g ON g.id = b.grid_id
    LEFT JOIN stations AS s ON s.id = a.station_id
    ORDER BY b.code
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'numberMatched', (SELECT count(*) FROM buildings),
    'numberReturned', (SELECT count(*) FROM page),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(page.*, 'geom', %(decimals)s)::json) FROM page), '[]'::json)
)::text
