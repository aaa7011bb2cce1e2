-- The incidents a handling history names, locked until the import commits: their state, the
-- street of their grid (where 上报 sends them) and whether a handling step is already stored.
SELECT i.id, i.request_id, i.status, i.handling_type, i.received_at, i.responded_at, i.closed_at, i.satisfied,
       i.feedback_way, i.escalated_to, i.escalated_at, i.deadline, co.street_code,
       EXISTS (SELECT FROM incident_events AS e
               WHERE e.incident_id = i.id AND e.action IN (SELECT action FROM incident_transitions)) AS handled
FROM incidents AS i
LEFT JOIN grids AS g ON g.id = i.grid_id
LEFT JOIN communities AS co ON co.code = g.community_code
WHERE i.request_id = ANY(%(request_ids)s)
FOR UPDATE OF i
