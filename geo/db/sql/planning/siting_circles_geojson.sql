-- One scenario's chosen sites' walking circles as GeoJSON polygons (the points, with their
-- details, come from siting_sites_table.sql: geo/planning/sites.py).
WITH rows AS (
    SELECT rank, code, name, candidate_id, newly_covered, circle AS geom
    FROM siting_sites
    WHERE scenario_id = %(id)s AND circle IS NOT NULL
    ORDER BY rank
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'numberReturned', (SELECT count(*) FROM rows),
    'features', coalesce((SELECT json_agg(ST_AsGeoJSON(rows.*, 'geom', %(decimals)s)::json ORDER BY rows.rank) FROM rows), '[]'::json)
)::text
