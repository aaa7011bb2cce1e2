-- When the latest located incident a filter ({filter}, over i and g) selects was reported (NULL: none).
SELECT max(i.reported_at)
FROM incidents AS i
LEFT JOIN grids AS g ON g.id = i.grid_id
WHERE i.geom IS NOT NULL AND {filter}
