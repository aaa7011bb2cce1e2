-- Figures per street, community or grid (%(level)s) for incidents reported in
-- [%(start)s, %(end)s): counts, 响应率 (share responded), 解决率 (share closed),
-- 满意率 (share satisfied among rated closures), overdue (open past deadline, or closed
-- late), median hours to close.
WITH scoped AS (
    SELECT i.*, g.code AS grid_code, g.name AS grid_name, co.code AS community_code, co.name AS community_name,
           st.code AS street_code, st.name AS street_name
    FROM incidents AS i
    JOIN grids AS g ON g.id = i.grid_id
    JOIN communities AS co ON co.code = g.community_code
    JOIN streets AS st ON st.code = co.street_code
    WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s
), units AS (
    SELECT CASE %(level)s WHEN 'street' THEN street_code WHEN 'community' THEN community_code ELSE grid_code END AS code,
           CASE %(level)s WHEN 'street' THEN street_name WHEN 'community' THEN community_name ELSE grid_name END AS name,
           s.*
    FROM scoped AS s
)
SELECT code, name,
       count(*) AS incidents,
       round(100.0 * count(responded_at) / count(*), 1) AS response_rate,
       round(100.0 * count(closed_at) / count(*), 1) AS resolution_rate,
       round(100.0 * count(*) FILTER (WHERE satisfied) / nullif(count(satisfied), 0), 1) AS satisfaction_rate,
       count(*) FILTER (WHERE (closed_at IS NULL AND deadline < %(now)s) OR closed_at > deadline) AS overdue,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at) / 3600)
             FILTER (WHERE closed_at IS NOT NULL))::numeric, 1) AS median_hours_to_close
FROM units
GROUP BY code, name
ORDER BY code
