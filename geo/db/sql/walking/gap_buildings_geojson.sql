-- Uncovered residential buildings of one stored gap computation, as GeoJSON points (a point on
-- each building's surface) with their residents, grid and walking distance (NULL: none reachable).
WITH gap AS (
    SELECT id FROM gap_runs
    WHERE access_run_id = %(run_id)s AND station_kind = %(kind)s AND limit_m = %(limit_m)s
      AND h3_resolution = %(resolution)s
), rows AS (
    SELECT b.code AS building_code, gb.residents, g.code AS grid_code, round(gb.distance_m::numeric, 1) AS distance_m,
           ST_PointOnSurface(b.geom) AS geom
    FROM gap_buildings AS gb
    JOIN gap ON gap.id = gb.run_id
    JOIN buildings AS b ON b.id = gb.building_id
    LEFT JOIN grids AS g ON g.id = b.grid_id
    ORDER BY b.code
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'computed', EXISTS (SELECT 1 FROM gap),
    'numberReturned', (SELECT count(*) FROM rows),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(rows.*, 'geom', %(decimals)s)::json) FROM rows), '[]'::json)
)::text
