-- What the incident page shows beyond the card (incident_card.sql): the handling state, the
-- grid's outline and the street an escalation went to.
SELECT i.status, i.responded_at, i.closed_at, i.satisfied, i.feedback_way, i.escalated_to, i.escalated_at,
       st.name AS escalated_to_name, i.co_departments, i.duplicate_of, i.photo_count, i.publishable,
       i.assigned_at, ST_AsGeoJSON(g.geom, 6)::jsonb AS grid_geometry
FROM incidents AS i
LEFT JOIN grids AS g ON g.id = i.grid_id
LEFT JOIN streets AS st ON st.code = i.escalated_to
WHERE i.id = %(id)s
