-- Stations for the maps: what a resident needs to know (kind, services, hours), lon/lat in degrees.
SELECT code, name, kind, services, is_24h, to_char(opens, 'HH24:MI') AS opens, to_char(closes, 'HH24:MI') AS closes,
       status, address, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM stations
ORDER BY code
