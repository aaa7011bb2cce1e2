-- Hexagons of uncovered residents of one stored gap computation, as GeoJSON.
WITH gap AS (
    SELECT id FROM gap_runs
    WHERE access_run_id = %(run_id)s AND station_kind = %(kind)s AND limit_m = %(limit_m)s
      AND h3_resolution = %(resolution)s
), cells AS (
    SELECT h.h3, h.buildings, h.uncovered_residents, h.geom
    FROM gap_hexagons AS h JOIN gap ON gap.id = h.run_id
    ORDER BY h.uncovered_residents DESC, h.h3
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'computed', EXISTS (SELECT 1 FROM gap),
    'numberReturned', (SELECT count(*) FROM cells),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(cells.*, 'geom', %(decimals)s)::json) FROM cells), '[]'::json)
)::text
