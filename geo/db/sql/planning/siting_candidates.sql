-- Candidate sites for new stations (any premises type), with a point (lon/lat).
SELECT id, code, name, ST_X(geom), ST_Y(geom)
FROM candidates
ORDER BY id
