-- Staging tables of a handling-history import, filled by COPY: the replayed events and the
-- state each incident ends in (history_store.sql writes them).
DROP TABLE IF EXISTS history_events, history_states;
CREATE TEMP TABLE history_events (
    incident_id bigint, seq integer, at timestamptz, actor text, action text,
    from_status text, to_status text, note text, detail jsonb
) ON COMMIT DROP;
CREATE TEMP TABLE history_states (
    id bigint, status text, responded_at timestamptz, closed_at timestamptz, satisfied boolean, feedback_way text,
    escalated_to text, escalated_at timestamptz, deadline timestamptz, co_departments text[]
) ON COMMIT DROP;
