-- Pairs of features of one layer (and one grid system) whose interiors share more than
-- %(tolerance_m2)s square metres, at least one of them staged; each pair reported once.
-- Stored features that the staged rows replace (same key) are left out, and with
-- %(replace)s all stored features are.
WITH incoming AS (
    SELECT _row, code, {group} AS grp, geom FROM {stage}
), stored AS (
    SELECT code, {group} AS grp, geom FROM {table} WHERE NOT %(replace)s
), everything AS (
    SELECT code, grp, geom FROM incoming
    UNION ALL
    SELECT s.code, s.grp, s.geom FROM stored AS s
    WHERE NOT EXISTS (SELECT 1 FROM incoming AS i WHERE i.code = s.code AND i.grp = s.grp)
)
SELECT i._row, i.code, o.code AS other_code,
       ST_Area(ST_Intersection(i.geom, o.geom)::geography) AS overlap_m2
FROM incoming AS i
JOIN everything AS o
  ON o.grp = i.grp AND o.code <> i.code AND ST_Intersects(i.geom, o.geom)
WHERE (i.code < o.code OR NOT EXISTS (SELECT 1 FROM incoming AS i2 WHERE i2.code = o.code AND i2.grp = o.grp))
  AND ST_Relate(i.geom, o.geom, '2********')
  AND ST_Area(ST_Intersection(i.geom, o.geom)::geography) > %(tolerance_m2)s
ORDER BY i._row, o.code
