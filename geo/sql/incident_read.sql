-- One incident with its grid, team and responsible department; reporter fields are
-- selected here and dropped by the caller for anyone but a dispatcher.
SELECT i.id, i.request_id, i.channel, i.category_code, cat.name AS category_name, i.description,
       i.reporter_name, i.reporter_phone, i.reported_at, i.received_at, i.coord_system,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
       i.assign_method, i.assign_distance_m, g.code AS grid_code, g.name AS grid_name,
       g.leader AS grid_leader, g.workers AS grid_workers, co.code AS community_code, co.name AS community_name,
       st.code AS street_code, st.name AS street_name,
       i.handling_type, i.department, i.deadline
FROM incidents AS i
LEFT JOIN categories AS cat ON cat.code = i.category_code
LEFT JOIN grids AS g ON g.id = i.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
LEFT JOIN streets AS st ON st.code = co.street_code
WHERE i.id = %(id)s
