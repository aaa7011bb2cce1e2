-- Per-building walking distance to the nearest station of a kind, for the run at %(at)s,
-- as GeoJSON points (a point on each building's surface); paged by building code.
WITH run AS (
    SELECT id FROM access_runs
    WHERE at_time IS NOT DISTINCT FROM %(at)s::time AND include_planned = %(include_planned)s
), page AS (
    SELECT b.code AS building_code, b.residents, g.code AS grid_code, a.station_kind,
           s.code AS station_code, s.name AS station_name, a.distance_m,
           round((a.distance_m / (%(speed_kmh)s * 1000.0 / 60.0))::numeric, 1) AS walk_minutes,
           ST_PointOnSurface(b.geom) AS geom
    FROM building_access AS a
    JOIN run ON run.id = a.run_id
    JOIN buildings AS b ON b.id = a.building_id
    LEFT JOIN grids AS g ON g.id = b.grid_id
    LEFT JOIN stations AS s ON s.id = a.station_id
    WHERE a.station_kind = %(kind)s
    ORDER BY b.code
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'computed', EXISTS (SELECT 1 FROM run),
    'numberReturned', (SELECT count(*) FROM page),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(page.*, 'geom', %(decimals)s)::json) FROM page), '[]'::json)
)::text
