-- Incidents near one incident: within %(radius_m)s metres and %(days)s days of it, nearest
-- first, with its possible duplicates (linked either way, or linked to the same first report)
-- always included. `total` counts them all; one page is returned.
WITH me AS (
    SELECT id, geom, reported_at, duplicate_of FROM incidents WHERE id = %(id)s
), near AS (
    SELECT i.id, i.reported_at, i.status, i.category_code, c.name AS category_name, i.duplicate_of,
           ST_Y(i.geom) AS lat, ST_X(i.geom) AS lon,
           round(ST_Distance(i.geom::geography, me.geom::geography)::numeric, 1) AS distance_m,
           (i.duplicate_of = me.id OR i.id = me.duplicate_of
            OR (i.duplicate_of IS NOT NULL AND i.duplicate_of = me.duplicate_of)) AS duplicate
    FROM me
    JOIN incidents AS i ON i.id <> me.id
    LEFT JOIN categories AS c ON c.code = i.category_code
    WHERE (me.geom IS NOT NULL AND i.geom && ST_Expand(me.geom, %(radius_m)s / 80000.0)
           AND ST_DWithin(i.geom::geography, me.geom::geography, %(radius_m)s)
           AND i.reported_at BETWEEN me.reported_at - make_interval(days => %(days)s)
                                 AND me.reported_at + make_interval(days => %(days)s))
       OR i.duplicate_of = me.id OR i.id = me.duplicate_of
       OR (i.duplicate_of IS NOT NULL AND i.duplicate_of = me.duplicate_of)
)
SELECT (SELECT count(*) FROM near) AS total, p.*
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM near ORDER BY duplicate DESC, distance_m NULLS LAST, id LIMIT %(limit)s) AS p ON true
