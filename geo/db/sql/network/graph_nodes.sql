-- Walking-network nodes with their lon/lat (EPSG:4326).
SELECT id, ST_X(geom), ST_Y(geom) FROM network_nodes ORDER BY id
