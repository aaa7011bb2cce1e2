-- Store a replayed handling history: the events in time order (ids break ties of `at` in
-- the order the file gave), then each incident's end state; co-handling departments are
-- kept unless the history names some.
INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status, note, detail)
SELECT incident_id, at, actor, action, from_status, to_status, note, detail
FROM history_events
ORDER BY at, incident_id, seq;

UPDATE incidents AS i
SET status = s.status, responded_at = s.responded_at, closed_at = s.closed_at, satisfied = s.satisfied,
    feedback_way = s.feedback_way, escalated_to = s.escalated_to, escalated_at = s.escalated_at,
    deadline = s.deadline, co_departments = coalesce(s.co_departments, i.co_departments)
FROM history_states AS s
WHERE i.id = s.id;
