-- Open incidents past their deadline ('overdue') or due within %(hours)s hours ('due_soon'),
-- optionally within one street, community or grid (by code prefix), soonest deadline first.
-- One page of them; `total` counts every match (one row of NULLs carries it past the last page).
WITH m AS (
    SELECT i.id, i.category_code, c.name AS category_name, i.status, i.handling_type,
           i.department, g.code AS grid_code, g.name AS grid_name, i.reported_at, i.deadline,
           round((extract(epoch FROM (%(now)s::timestamptz - i.deadline)) / 3600)::numeric, 1) AS hours_overdue
    FROM incidents AS i
    JOIN categories AS c ON c.code = i.category_code
    LEFT JOIN grids AS g ON g.id = i.grid_id
    WHERE i.status <> '办结'
      AND CASE %(queue)s
            WHEN 'overdue' THEN i.deadline < %(now)s
            ELSE i.deadline >= %(now)s AND i.deadline < %(now)s::timestamptz + make_interval(hours => %(hours)s)
          END
      AND (%(area)s::text IS NULL OR g.code LIKE %(area)s || '%%')
)
SELECT (SELECT count(*) FROM m) AS total, p.*
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM m ORDER BY deadline, id LIMIT %(limit)s OFFSET %(offset)s) AS p ON true
