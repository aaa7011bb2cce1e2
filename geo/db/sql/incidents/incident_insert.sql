-- Store one incident; deadline, department and handling type come from its category.
-- Nothing is stored for a repeated request_id (the caller then reads the existing incident)
-- nor for an unknown category. Used as the CTE `n` of a statement that reads the new row.
-- received_at (受理) is the transaction's time unless an import brings its own.
INSERT INTO incidents (request_id, channel, category_code, description, reporter_name, reporter_phone,
                       reported_at, received_at, coord_system, attrs, content_sha256, geom, handling_type,
                       department, deadline)
SELECT %(request_id)s, %(channel)s, c.code, %(description)s, %(reporter_name)s, %(reporter_phone)s,
       %(reported_at)s, coalesce(%(received_at)s::timestamptz, now()), %(coord_system)s, %(attrs)s::jsonb,
       %(content_sha256)s,
       CASE WHEN %(lon)s::float8 IS NULL THEN NULL
            ELSE ST_SetSRID(ST_MakePoint(%(lon)s::float8, %(lat)s::float8), 4326) END,
       c.handling_type, c.department,
       %(reported_at)s::timestamptz + make_interval(hours => c.time_limit_hours)
FROM categories AS c
WHERE c.code = %(category_code)s
ON CONFLICT (request_id) DO NOTHING
RETURNING *
