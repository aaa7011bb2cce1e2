-- Figures of incident handling per unit of %(level)s (district, street, community, grid,
-- department or category) for incidents reported in [%(start)s, %(end)s), and per calendar
-- month of Asia/Shanghai when %(per_month)s. Every definition is stated once, in
-- geo/incidents/figures.py; this statement is their only implementation.
-- Area levels count incidents on a grid (of the unit); department and category levels count
-- every incident, an incident counting for its department and each co-handling department.
WITH scoped AS (
    SELECT i.responded_at, i.closed_at, i.satisfied, i.reported_at,
           (i.closed_at IS NULL AND i.deadline < %(now)s) OR i.closed_at > i.deadline AS overdue,
           CASE WHEN %(per_month)s THEN to_char(i.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') END AS month,
           i.department, i.co_departments, i.category_code,
           g.code AS grid_code, g.name AS grid_name, co.code AS community_code, co.name AS community_name,
           st.code AS street_code, st.name AS street_name, d.code AS district_code, d.name AS district_name
    FROM incidents AS i
    LEFT JOIN grids AS g ON g.id = i.grid_id
    LEFT JOIN communities AS co ON co.code = g.community_code
    LEFT JOIN streets AS st ON st.code = co.street_code
    LEFT JOIN districts AS d ON d.code = st.district_code
    WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s
), units AS (
    SELECT s.*, u.code, u.name
    FROM scoped AS s
    CROSS JOIN LATERAL (
        SELECT s.district_code, s.district_name WHERE %(level)s = 'district'
        UNION ALL SELECT s.street_code, s.street_name WHERE %(level)s = 'street'
        UNION ALL SELECT s.community_code, s.community_name WHERE %(level)s = 'community'
        UNION ALL SELECT s.grid_code, s.grid_name WHERE %(level)s = 'grid'
        UNION ALL SELECT DISTINCT dep, dep FROM unnest(array_prepend(s.department, s.co_departments)) AS dep
                  WHERE %(level)s = 'department'
        UNION ALL SELECT c.code, c.name FROM categories AS c
                  WHERE %(level)s = 'category' AND c.code = s.category_code
    ) AS u (code, name)
    WHERE u.code IS NOT NULL
), residents AS (  -- residents of the buildings on each unit's grids (area levels only)
    SELECT CASE %(level)s WHEN 'district' THEN st.district_code WHEN 'street' THEN st.code
                          WHEN 'community' THEN co.code ELSE g.code END AS code,
           sum(b.residents) AS residents
    FROM buildings AS b
    JOIN grids AS g ON g.id = b.grid_id
    JOIN communities AS co ON co.code = g.community_code
    JOIN streets AS st ON st.code = co.street_code
    WHERE %(level)s IN ('district', 'street', 'community', 'grid')
    GROUP BY 1
)
SELECT u.month, u.code, min(u.name) AS name,
       count(*) AS incidents,
       count(u.responded_at) AS responded,
       count(u.closed_at) AS closed,
       count(u.satisfied) AS rated,
       count(*) FILTER (WHERE u.satisfied) AS satisfied,
       count(*) FILTER (WHERE u.overdue) AS overdue,
       round(100.0 * count(u.responded_at) / count(*), 1) AS response_rate,
       round(100.0 * count(u.closed_at) / count(*), 1) AS resolution_rate,
       round(100.0 * count(*) FILTER (WHERE u.satisfied) / nullif(count(u.satisfied), 0), 1) AS satisfaction_rate,
       round(100.0 * count(*) FILTER (WHERE u.overdue) / count(*), 1) AS overdue_rate,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM u.closed_at - u.reported_at) / 3600)
             FILTER (WHERE u.closed_at IS NOT NULL))::numeric, 1) AS median_hours_to_close,
       CASE WHEN %(level)s IN ('district', 'street', 'community', 'grid') THEN coalesce(r.residents, 0) END AS residents,
       round(1000.0 * count(*) / nullif(r.residents, 0), 2) AS per_1000
FROM units AS u
LEFT JOIN residents AS r ON r.code = u.code
GROUP BY u.month, u.code, r.residents
ORDER BY u.month, u.code
