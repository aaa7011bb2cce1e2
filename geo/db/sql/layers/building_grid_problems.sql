-- Staged buildings naming a grid that does not exist, or lying outside the grid they name.
SELECT s._row, s.grid_code, g.id IS NOT NULL AS grid_exists
FROM {stage} AS s
LEFT JOIN grids AS g ON g.system = %(system)s AND g.code = s.grid_code
WHERE s.grid_code IS NOT NULL
  AND (g.id IS NULL OR NOT ST_Intersects(g.geom, ST_PointOnSurface(s.geom)))
ORDER BY s._row
