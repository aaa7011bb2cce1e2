-- Fingerprint of the circles of one ring for the stations of a kind open at an hour
-- (%(station_ids)s: the chosen stations): which circles, computed when.
SELECT md5(coalesce(string_agg(c.station_id::text || '@' || c.computed_at::text, ',' ORDER BY c.station_id), '')),
       count(*)
FROM walk_circles AS c
WHERE c.minutes = %(minutes)s AND c.station_id = ANY(%(station_ids)s)
