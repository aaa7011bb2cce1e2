-- Stations whose stored circles are all current: computed with these parameters, on this
-- network, at the station's present position, for exactly the requested walking times.
SELECT s.id
FROM stations AS s
JOIN walk_circles AS c ON c.station_id = s.id
WHERE c.speed_kmh = %(speed_kmh)s AND c.buffer_m = %(buffer_m)s
  AND c.network_version = %(network_version)s
  AND ST_Equals(c.station_geom, s.geom)
  AND c.minutes = ANY(%(minutes)s)
GROUP BY s.id
HAVING count(*) = cardinality(%(minutes)s::double precision[])
