-- The union of one ring's circles of the chosen stations (%(station_ids)s), simplified for
-- display by %(tolerance)s degrees, as GeoJSON: what map_ring_store.sql keeps, made for one view.
SELECT ST_AsGeoJSON(
    ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(ST_Union(c.geom), %(tolerance)s)), 3)),
    %(decimals)s)
FROM walk_circles AS c
WHERE c.minutes = %(minutes)s AND c.station_id = ANY(%(station_ids)s)
