-- One vector tile of the walking network (layer `streets`): each edge with its class (`kind`:
-- arterial, street, alley, path, gate, bridge, crossing, …): arterials and bridges at every zoom,
-- streets from %(street_zoom)s, everything from %(detail_zoom)s (below, the rest would be a grey smear).
WITH tile AS (SELECT * FROM wangge_tile(%(z)s, %(x)s, %(y)s, %(margin)s)),
edges AS (
    SELECT e.kind, ST_AsMVTGeom(ST_Transform(e.geom, 3857), tile.env, 4096, 64, true) AS geom
    FROM network_edges AS e, tile
    WHERE e.geom && tile.box
      AND (e.kind IN ('arterial', 'bridge') OR (e.kind = 'street' AND %(z)s >= %(street_zoom)s)
           OR %(z)s >= %(detail_zoom)s)
)
SELECT coalesce(ST_AsMVT(edges, 'streets', 4096, 'geom'), '') FROM edges WHERE geom IS NOT NULL
