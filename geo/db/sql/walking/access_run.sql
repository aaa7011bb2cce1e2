-- The access run for an hour (NULL: any hour) and planned-station choice.
SELECT id, computed_at FROM access_runs
WHERE at_time IS NOT DISTINCT FROM %(at)s::time AND include_planned = %(include_planned)s
