-- Union the ring's circles of the chosen stations, simplified for display by %(tolerance)s
-- degrees, and keep it under its fingerprint.
INSERT INTO map_ring_unions (station_kind, at_key, minutes, version, stations, geom)
SELECT %(kind)s, %(at_key)s, %(minutes)s, %(version)s, count(*),
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(ST_Union(c.geom), %(tolerance)s)), 3))
FROM walk_circles AS c
WHERE c.minutes = %(minutes)s AND c.station_id = ANY(%(station_ids)s)
ON CONFLICT (station_kind, at_key, minutes) DO UPDATE
SET version = excluded.version, stations = excluded.stations, geom = excluded.geom, computed_at = now()
