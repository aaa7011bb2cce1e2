-- Gathering points of delivery and courier workers as extra siting demand, with their street.
SELECT h.id, h.code, h.workers, st.code AS street_code, ST_X(h.geom), ST_Y(h.geom)
FROM worker_hotspots AS h
LEFT JOIN streets AS st ON ST_Covers(st.geom, h.geom)
WHERE h.workers > 0
ORDER BY h.id
