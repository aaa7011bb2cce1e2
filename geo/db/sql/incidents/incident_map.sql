-- What the incidents map draws of the incidents a filter ({filter}, over i and g) selects: what a
-- popup shows and whether it is overdue at %(f_now)s; no reporter, no description, no request id.
-- Incidents without a location come too (lon and lat NULL), to be counted as not drawn.
SELECT i.id, c.name AS category_name, i.status, i.handling_type, i.department,
       g.code AS grid_code, g.name || '（' || g.code || '）' AS grid_label, i.reported_at, i.deadline,
       (i.status <> '办结' AND i.deadline < %(f_now)s) AS overdue,
       round(ST_X(i.geom)::numeric, 5)::float8 AS lon, round(ST_Y(i.geom)::numeric, 5)::float8 AS lat
FROM incidents AS i
LEFT JOIN categories AS c ON c.code = i.category_code
LEFT JOIN grids AS g ON g.id = i.grid_id
WHERE {filter}
ORDER BY i.id
