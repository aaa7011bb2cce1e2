-- Walking-network edges: id, source, target, length in metres, geometry as WKB (EPSG:4326).
SELECT id, source, target, length_m, ST_AsBinary(geom) FROM network_edges ORDER BY id
