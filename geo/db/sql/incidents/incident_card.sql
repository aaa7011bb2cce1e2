-- An incident as the API shows it, with its grid, team and responsible department, for the
-- rows of a CTE `n` of the incidents table's shape (a stored row, or a row just inserted, as
-- the assignment trigger left it). Reporter fields are selected here and dropped by the caller
-- for anyone but a dispatcher.
SELECT n.id, n.request_id, n.channel, n.category_code, cat.name AS category_name, n.description,
       n.reporter_name, n.reporter_phone, n.reported_at, n.received_at, n.coord_system,
       ST_X(n.geom) AS lon, ST_Y(n.geom) AS lat,
       n.assign_method, n.assign_distance_m, g.code AS grid_code, g.name AS grid_name,
       g.leader AS grid_leader, g.workers AS grid_workers, co.code AS community_code, co.name AS community_name,
       st.code AS street_code, st.name AS street_name,
       n.handling_type, n.department, n.deadline
FROM n
LEFT JOIN categories AS cat ON cat.code = n.category_code
LEFT JOIN grids AS g ON g.id = n.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
LEFT JOIN streets AS st ON st.code = co.street_code
