-- Staged features sticking out of their parent by more than %(tolerance_m2)s square metres.
SELECT s._row, s.code, s.{parent_column},
       ST_Area(ST_Difference(s.geom, p.geom)::geography) AS outside_m2
FROM {stage} AS s
JOIN {parent} AS p ON p.code = s.{parent_column}
WHERE NOT ST_CoveredBy(s.geom, p.geom)
  AND ST_Area(ST_Difference(s.geom, p.geom)::geography) > %(tolerance_m2)s
ORDER BY s._row
