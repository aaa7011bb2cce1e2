-- Attach staged buildings to their grid of system %(system)s: by grid_code when given,
-- otherwise the grid containing a point on the building's surface.
UPDATE buildings AS b
SET grid_id = COALESCE(
    (SELECT g.id FROM grids AS g WHERE g.system = %(system)s AND g.code = s.grid_code),
    (SELECT g.id FROM grids AS g
     WHERE s.grid_code IS NULL AND g.system = %(system)s
       AND ST_Intersects(g.geom, ST_PointOnSurface(b.geom))
     ORDER BY g.code LIMIT 1))
FROM {stage} AS s
WHERE b.code = s.code
