-- The grids of the assignment grid system for the monthly report's maps: code, residents of their
-- buildings, and the outline simplified by %(tolerance)s degrees, as WKB in EPSG:4326.
SELECT g.code, coalesce(b.residents, 0) AS residents,
       ST_AsBinary(ST_SimplifyPreserveTopology(g.geom, %(tolerance)s)) AS wkb
FROM grids AS g
JOIN assignment_settings AS s ON s.grid_system = g.system
LEFT JOIN (SELECT grid_id, sum(residents) AS residents FROM buildings GROUP BY grid_id) AS b ON b.grid_id = g.id
ORDER BY g.code
