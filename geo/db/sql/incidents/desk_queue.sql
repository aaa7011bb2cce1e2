-- The desk's queue: one page of the incidents within the caller's area ({scope}) that the
-- filter ({filter}) selects, in the order chosen ({order}); `total` counts every match and
-- `by_status` splits it by state (one row of NULLs carries both past the last page).
WITH m AS (
    SELECT i.id, i.reported_at, i.channel, i.category_code, c.name AS category_name, i.status,
           i.handling_type, i.department, i.co_departments, g.code AS grid_code, g.name AS grid_name,
           i.deadline, i.responded_at, i.closed_at, i.satisfied, i.duplicate_of, i.assign_method,
           i.escalated_to, i.photo_count,
           round((extract(epoch FROM (i.deadline - %(f_now)s::timestamptz)) / 3600)::numeric, 1) AS hours_left
    FROM incidents AS i
    LEFT JOIN grids AS g ON g.id = i.grid_id
    LEFT JOIN categories AS c ON c.code = i.category_code
    WHERE {scope} AND {filter}
)
SELECT (SELECT count(*) FROM m) AS total,
       (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM m GROUP BY status) AS s) AS by_status,
       p.*
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM m ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS p ON true
