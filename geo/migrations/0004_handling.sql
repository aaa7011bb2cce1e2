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
