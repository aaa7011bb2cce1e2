-- Staged edges whose source/target node is missing or more than %(tolerance_m)s metres
-- from the edge's start/end point.
SELECT s._row, s.source, s.target,
       ns.id IS NULL AS source_missing, nt.id IS NULL AS target_missing
FROM {stage} AS s
LEFT JOIN network_nodes AS ns ON ns.id = s.source
LEFT JOIN network_nodes AS nt ON nt.id = s.target
WHERE ns.id IS NULL OR nt.id IS NULL
   OR ST_Distance(ST_StartPoint(s.geom)::geography, ns.geom::geography) > %(tolerance_m)s
   OR ST_Distance(ST_EndPoint(s.geom)::geography, nt.geom::geography) > %(tolerance_m)s
ORDER BY s._row
