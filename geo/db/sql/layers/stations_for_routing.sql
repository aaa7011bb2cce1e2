-- Stations with what routing needs: position (lon/lat), kind, status and opening hours.
SELECT id, code, kind, status, is_24h, opens, closes, ST_X(geom), ST_Y(geom)
FROM stations
ORDER BY id
