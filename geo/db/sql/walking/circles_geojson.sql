-- Stored walking circles as a GeoJSON FeatureCollection, optionally filtered by walking time,
-- station kind and station code; with the parameters used and when they were computed.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(ST_AsGeoJSON(f.*, 'geom', %(decimals)s)::json ORDER BY f.station_code, f.minutes),
                         '[]'::json)
)::text
FROM (
    SELECT s.code AS station_code, s.name AS station_name, s.kind AS station_kind, s.status AS station_status,
           c.minutes, c.limit_m, c.speed_kmh, c.buffer_m, c.area_m2, c.reached_length_m,
           c.snap_distance_m, c.computed_at, c.geom
    FROM walk_circles AS c
    JOIN stations AS s ON s.id = c.station_id
    WHERE (%(minutes)s::double precision IS NULL OR c.minutes = %(minutes)s)
      AND (%(kind)s::text IS NULL OR s.kind = %(kind)s)
      AND (%(station)s::text IS NULL OR s.code = %(station)s)
) AS f
