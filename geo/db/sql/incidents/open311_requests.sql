-- Incidents as Open311 service requests, newest first. The reporter's name and phone are
-- never selected: they are only used here to mask themselves out of the description.
-- A NULL parameter leaves its filter out (the statement is planned with its values).
SELECT i.id, i.status, i.category_code, cat.name AS category_name, masked.description,
       i.department, i.handling_type, cat.time_limit_hours,
       i.reported_at, coalesce(ev.last_at, i.received_at) AS updated_at, i.deadline,
       g.code AS grid_code, g.name AS grid_name, co.name AS community_name, st.name AS street_name,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
       i.attrs #>> '{open311,media_url}' AS media_url
FROM incidents AS i
LEFT JOIN categories AS cat ON cat.code = i.category_code
LEFT JOIN grids AS g ON g.id = i.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
LEFT JOIN streets AS st ON st.code = co.street_code
LEFT JOIN LATERAL (SELECT max(e.at) AS last_at FROM incident_events AS e WHERE e.incident_id = i.id) AS ev ON true
CROSS JOIN LATERAL (
    SELECT CASE WHEN char_length(btrim(coalesce(i.reporter_name, ''))) >= 2
                THEN replace(by_phone.d, btrim(i.reporter_name), '***') ELSE by_phone.d END AS description
    FROM (SELECT CASE WHEN char_length(btrim(coalesce(i.reporter_phone, ''))) >= 5
                      THEN replace(i.description, btrim(i.reporter_phone), '***') ELSE i.description END AS d
         ) AS by_phone
) AS masked
WHERE (%(ids)s::bigint[] IS NULL OR i.id = ANY (%(ids)s::bigint[]))
  AND (%(codes)s::text[] IS NULL OR i.category_code = ANY (%(codes)s::text[]))
  AND (%(start)s::timestamptz IS NULL OR i.reported_at >= %(start)s::timestamptz)
  AND (%(end)s::timestamptz IS NULL OR i.reported_at <= %(end)s::timestamptz)
  AND (%(closed)s::boolean IS NULL OR (i.status = '办结') = %(closed)s::boolean)
ORDER BY i.reported_at DESC, i.id DESC
LIMIT %(limit)s
