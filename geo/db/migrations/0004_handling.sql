-- Handling pipeline: states 受理 → 办理 → 反馈 → 办结, plus 退回 and 重新打开, with an
-- explicit transition table, an audit trail, and links between possible duplicates.
ALTER TABLE incidents
    ADD COLUMN status       text NOT NULL DEFAULT '受理' CHECK (status IN ('受理', '办理', '反馈', '办结', '退回')),
    ADD COLUMN responded_at timestamptz,
    ADD COLUMN closed_at    timestamptz,
    ADD COLUMN satisfied    boolean,
    ADD COLUMN duplicate_of bigint REFERENCES incidents (id) ON DELETE SET NULL;
CREATE INDEX incidents_status_deadline_idx ON incidents (status, deadline);
CREATE INDEX incidents_category_time_idx ON incidents (category_code, reported_at);

-- Which action moves an incident from which state to which; handling_types NULL = any type.
CREATE TABLE incident_transitions (
    from_status    text NOT NULL,
    action         text NOT NULL,
    to_status      text NOT NULL,
    handling_types text[],
    PRIMARY KEY (from_status, action)
);
INSERT INTO incident_transitions (from_status, action, to_status, handling_types) VALUES
    ('受理', '办理', '办理', NULL),
    ('受理', '办结', '办结', ARRAY['即办件', '告知件']),
    ('受理', '退回', '退回', NULL),
    ('办理', '反馈', '反馈', NULL),
    ('办理', '退回', '退回', NULL),
    ('反馈', '办结', '办结', NULL),
    ('反馈', '重新打开', '办理', NULL),
    ('退回', '重新受理', '受理', NULL),
    ('办结', '重新打开', '办理', NULL);

-- Who did what when; never updated or deleted by the application.
CREATE TABLE incident_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    action      text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at);

-- Every stored incident starts its audit trail with 受理; the actor is the session's
-- wangge.actor setting when the application sets one.
CREATE FUNCTION wangge_incident_received() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_events (incident_id, actor, action, to_status, note)
    VALUES (NEW.id, coalesce(nullif(current_setting('wangge.actor', true), ''), NEW.channel), '受理', NEW.status,
            CASE WHEN NEW.duplicate_of IS NOT NULL THEN '疑似重复：' || NEW.duplicate_of ELSE '' END);
    RETURN NULL;
END;
$$;
CREATE TRIGGER incidents_received AFTER INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION wangge_incident_received();

-- Possible duplicates (same category, within 50 m and 24 h of an earlier report) are
-- linked to the earliest such report, never dropped.
CREATE FUNCTION wangge_link_duplicate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.geom IS NULL OR NEW.category_code IS NULL THEN
        RETURN NEW;
    END IF;
    -- EXECUTE plans the lookup afresh each time: a plan cached while the table was small
    -- would scan it whole for every row of a large import.
    EXECUTE $q$
        SELECT i.id FROM incidents AS i
        WHERE i.category_code = $1
          AND i.reported_at BETWEEN $2 - interval '24 hours' AND $2
          AND i.geom && ST_Expand($3, 0.001)  -- about 100 m: an index-friendly first cut
          AND ST_DWithin(i.geom::geography, $3::geography, 50)
        ORDER BY i.reported_at, i.id LIMIT 1
    $q$ INTO NEW.duplicate_of USING NEW.category_code, NEW.reported_at, NEW.geom;
    RETURN NEW;
END;
$$;
CREATE TRIGGER incidents_duplicates BEFORE INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION wangge_link_duplicate();
