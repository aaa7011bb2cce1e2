-- Apply one action to an incident if the transition table allows it for the incident's
-- state and handling type; returns the new state, or nothing when refused.
WITH allowed AS (
    SELECT t.to_status, i.status AS from_status
    FROM incidents AS i
    JOIN incident_transitions AS t ON t.from_status = i.status AND t.action = %(action)s
    WHERE i.id = %(id)s AND (t.handling_types IS NULL OR i.handling_type = ANY(t.handling_types))
    FOR UPDATE OF i
), moved AS (
    UPDATE incidents AS i
    SET status = a.to_status,
        responded_at = coalesce(i.responded_at, CASE WHEN a.from_status = '受理' THEN clock_timestamp() END),
        closed_at = CASE WHEN a.to_status = '办结' THEN clock_timestamp() END,
        satisfied = CASE WHEN a.to_status = '办结' THEN %(satisfied)s::boolean END
    FROM allowed AS a
    WHERE i.id = %(id)s
    RETURNING i.id, a.from_status, i.status
)
INSERT INTO incident_events (incident_id, actor, action, from_status, to_status, note)
SELECT id, %(actor)s::text, %(action)s::text, from_status, status, %(note)s::text FROM moved
RETURNING to_status
