-- The responsibility list's categories as Open311 services; only one when %(code)s is given.
SELECT code, name, department, handling_type, time_limit_hours, attrs
FROM categories
WHERE %(code)s::text IS NULL OR code = %(code)s
ORDER BY code
