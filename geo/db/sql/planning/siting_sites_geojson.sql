-- One scenario's chosen sites as GeoJSON: points, or (circles) their walking circles.
WITH rows AS (
    SELECT rank, code, name, candidate_id, newly_covered,
           CASE WHEN %(circles)s THEN circle ELSE geom END AS geom
    FROM siting_sites
    WHERE scenario_id = %(id)s AND (NOT %(circles)s OR circle IS NOT NULL)
    ORDER BY rank
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'numberReturned', (SELECT count(*) FROM rows),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(rows.*, 'geom', %(decimals)s)::json) FROM rows), '[]'::json)
)::text
