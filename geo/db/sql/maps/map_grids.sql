-- The grids of the assignment grid system (those meeting a bounding box, when one is given),
-- simplified by %(tolerance)s degrees for display, as a GeoJSON FeatureCollection.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(ST_AsGeoJSON(f.*, 'geom', %(decimals)s)::json ORDER BY f.code), '[]'::json)
)::text
FROM (
    SELECT g.code, g.name, co.name AS community_name, st.name AS street_name, g.residents,
           ST_SimplifyPreserveTopology(g.geom, %(tolerance)s) AS geom
    FROM grids AS g
    JOIN assignment_settings AS s ON s.grid_system = g.system
    LEFT JOIN communities AS co ON co.code = g.community_code
    LEFT JOIN streets AS st ON st.code = co.street_code
    WHERE %(west)s::float8 IS NULL
       OR g.geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)
) AS f
