-- The 受理 event that starts every audit trail is dated when the incident was received
-- (`received_at`), not when the row was written: an imported year of incidents then reads
-- 受理 before its 办理 of months ago. Live intake is unchanged: received_at defaults to now().
CREATE OR REPLACE FUNCTION wangge_incident_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_events (incident_id, at, actor, action, to_status, note)
    VALUES (NEW.id, NEW.received_at, coalesce(nullif(current_setting('wangge.actor', true), ''), NEW.channel), '受理',
            NEW.status, CASE WHEN NEW.duplicate_of IS NOT NULL THEN '疑似重复：' || NEW.duplicate_of ELSE '' END);
    RETURN NULL;
END;
$$;
