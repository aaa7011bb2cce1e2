-- Apply one action to an incident if the transition table allows it for the incident's
-- state and handling type; returns the new state, or nothing when refused. 反馈 records the
-- way feedback reached the citizen, 办结 the satisfaction, 上报 hands the incident to the
-- street of its grid with a new deadline; the event keeps them as detail.
WITH clock AS (
    SELECT coalesce(%(at)s::timestamptz, clock_timestamp()) AS t
), allowed AS (
    SELECT t.to_status, i.status AS from_status
    FROM incidents AS i
    JOIN incident_transitions AS t ON t.from_status = i.status AND t.action = %(action)s
    WHERE i.id = %(id)s AND (t.handling_types IS NULL OR i.handling_type = ANY(t.handling_types))
    FOR UPDATE OF i
), moved AS (
    UPDATE incidents AS i
    SET status = a.to_status,
        responded_at = coalesce(i.responded_at, CASE WHEN a.from_status = '受理' THEN c.t END),
        closed_at = CASE WHEN a.to_status = '办结' THEN c.t END,
        satisfied = CASE WHEN a.to_status = '办结' THEN %(satisfied)s::boolean END,
        feedback_way = CASE WHEN %(action)s = '反馈' THEN %(feedback_way)s::text ELSE i.feedback_way END,
        escalated_to = CASE WHEN %(action)s = '上报' THEN (
            SELECT co.street_code FROM grids AS g JOIN communities AS co ON co.code = g.community_code
            WHERE g.id = i.grid_id) ELSE i.escalated_to END,
        escalated_at = CASE WHEN %(action)s = '上报' THEN c.t ELSE i.escalated_at END,
        deadline = CASE WHEN %(action)s = '上报' THEN %(deadline)s::timestamptz ELSE i.deadline END
    FROM allowed AS a, clock AS c
    WHERE i.id = %(id)s
    RETURNING i.id, a.from_status, i.status
)
INSERT INTO incident_events (incident_id, at, actor, action, from_status, to_status, note, detail)
SELECT m.id, c.t, %(actor)s::text, %(action)s::text, m.from_status, m.status, %(note)s::text, %(detail)s::jsonb
FROM moved AS m, clock AS c
RETURNING to_status
