-- Buildings left without a grid (e.g. after grids were reloaded): the grid they lie in.
UPDATE buildings AS b
SET grid_id = (SELECT g.id FROM grids AS g
               WHERE g.system = %(system)s AND ST_Intersects(g.geom, ST_PointOnSurface(b.geom))
               ORDER BY g.code LIMIT 1)
WHERE b.grid_id IS NULL
