-- What the dispatcher's desk and the grid worker's phone record beyond the state: the way
-- feedback reached the citizen, escalation to the street (吹哨报到) with its own deadline,
-- the departments of a 协办件, a manual placement's reason, photos taken on the spot.

-- The five ways feedback reaches the citizen (反馈方式).
CREATE TABLE feedback_ways (
    name text PRIMARY KEY
);
INSERT INTO feedback_ways (name) VALUES ('即时反馈'), ('公示反馈'), ('走访反馈'), ('电话反馈'), ('网络反馈');

ALTER TABLE incidents
    ADD COLUMN feedback_way    text REFERENCES feedback_ways (name),
    ADD COLUMN escalated_to    text,          -- street code an incident was reported up to (上报)
    ADD COLUMN escalated_at    timestamptz,
    ADD COLUMN co_departments  text[] NOT NULL DEFAULT '{}',  -- 协办部门 besides `department`
    ADD COLUMN photo_count     integer NOT NULL DEFAULT 0;

-- Every event may carry structured detail (feedback way, satisfaction, new deadline, grid
-- placed on, duplicate linked) besides its free-text note.
ALTER TABLE incident_events
    ADD COLUMN detail jsonb NOT NULL DEFAULT '{}';

-- 上报: a grid that cannot solve an incident blows the whistle; the street takes it over with
-- a deadline of its own. Allowed while the incident is not closed.
INSERT INTO incident_transitions (from_status, action, to_status, handling_types) VALUES
    ('受理', '上报', '办理', NULL),
    ('办理', '上报', '办理', NULL);

-- Queue filters: state and deadline are indexed (0004); reported time and channel here.
CREATE INDEX incidents_reported_idx ON incidents (reported_at, id);
CREATE INDEX incident_events_at_idx ON incident_events (at);

-- Photos taken on the spot: served to staff in scope only; never public, never to the reader role.
CREATE TABLE incident_photos (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        bytea NOT NULL,
    sha256       text NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX incident_photos_incident_idx ON incident_photos (incident_id);
