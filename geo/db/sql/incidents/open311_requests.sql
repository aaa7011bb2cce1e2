-- Incidents as Open311 service requests, newest first: one page (%(limit)s from %(offset)s) with the
-- number matched on every row, and one row of NULLs but that number when the page is empty.
-- Free text, photos and the reporter's name and phone (used only to mask themselves out of the
-- text) are selected only for incidents a dispatcher marked publishable; for the others they are NULL.
-- A NULL parameter leaves its filter out (the statement is planned with its values).
WITH matched AS (
    SELECT i.id, i.reported_at
    FROM incidents AS i
    WHERE (%(ids)s::bigint[] IS NULL OR i.id = ANY (%(ids)s::bigint[]))
      AND (%(codes)s::text[] IS NULL OR i.category_code = ANY (%(codes)s::text[]))
      AND (%(start)s::timestamptz IS NULL OR i.reported_at >= %(start)s::timestamptz)
      AND (%(end)s::timestamptz IS NULL OR i.reported_at <= %(end)s::timestamptz)
      AND (%(closed)s::boolean IS NULL OR (i.status = '办结') = %(closed)s::boolean)
), page AS (
    SELECT id FROM matched ORDER BY reported_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s
)
SELECT total.matched, r.*
FROM (SELECT count(*) AS matched FROM matched) AS total
LEFT JOIN (
    SELECT i.id, i.status, i.category_code, cat.name AS category_name,
           CASE WHEN i.publishable THEN i.description END AS description,
           CASE WHEN i.publishable THEN i.reporter_name END AS reporter_name,
           CASE WHEN i.publishable THEN i.reporter_phone END AS reporter_phone,
           i.department, i.handling_type, cat.time_limit_hours,
           i.reported_at, coalesce(ev.last_at, i.received_at) AS updated_at, i.deadline,
           g.code AS grid_code, g.name AS grid_name, co.name AS community_name, st.name AS street_name,
           ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
           CASE WHEN i.publishable THEN i.attrs #>> '{open311,media_url}' END AS media_url
    FROM page
    JOIN incidents AS i ON i.id = page.id
    LEFT JOIN categories AS cat ON cat.code = i.category_code
    LEFT JOIN grids AS g ON g.id = i.grid_id
    LEFT JOIN communities AS co ON co.code = g.community_code
    LEFT JOIN streets AS st ON st.code = co.street_code
    LEFT JOIN LATERAL (SELECT max(e.at) AS last_at FROM incident_events AS e WHERE e.incident_id = i.id) AS ev ON true
) AS r ON true
ORDER BY r.reported_at DESC, r.id DESC
