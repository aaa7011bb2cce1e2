-- Write bulk assignments (staged in reassigned) back onto the incidents; a dispatcher's
-- manual placements were left out of the staging table and keep their grid.
UPDATE incidents AS i
SET grid_id = r.grid_id, assign_method = r.method, assign_distance_m = r.distance_m,
    assigned_at = clock_timestamp()
FROM reassigned AS r
WHERE i.id = r.id
