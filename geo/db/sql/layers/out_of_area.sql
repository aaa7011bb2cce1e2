-- Staged features touching no district; `flipped` says whether swapping lon/lat would fix it.
SELECT s._row,
       EXISTS (SELECT 1 FROM districts AS d WHERE ST_Intersects(d.geom, ST_FlipCoordinates(s.geom))) AS flipped
FROM {stage} AS s
WHERE EXISTS (SELECT 1 FROM districts)
  AND NOT EXISTS (SELECT 1 FROM districts AS d WHERE ST_Intersects(d.geom, s.geom))
ORDER BY s._row
