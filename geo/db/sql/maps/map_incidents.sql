-- Located incidents reported in [%(start)s, %(end)s), optionally of one category, for the maps:
-- no reporter, no description; overdue = open and past its deadline at %(now)s.
SELECT i.id, i.category_code, c.name AS category_name, i.status, g.code AS grid_code,
       (i.status <> '办结' AND i.deadline < %(now)s) AS overdue,
       round(ST_X(i.geom)::numeric, 5)::float8 AS lon, round(ST_Y(i.geom)::numeric, 5)::float8 AS lat
FROM incidents AS i
JOIN categories AS c ON c.code = i.category_code
LEFT JOIN grids AS g ON g.id = i.grid_id
WHERE i.geom IS NOT NULL AND i.reported_at >= %(start)s AND i.reported_at < %(end)s
  AND (%(category)s::text IS NULL OR i.category_code = %(category)s)
ORDER BY i.id
