-- Siting from the page: scenarios solved as background jobs, candidates forced in or out, and the
-- newly covered area of a scenario (its sites' walking circles less what existing stations reach).
ALTER TABLE siting_scenarios ADD COLUMN newly_covered_area geometry(MultiPolygon, 4326);
CREATE INDEX siting_scenarios_newly_covered_area_idx ON siting_scenarios USING gist (newly_covered_area);
ALTER TABLE siting_sites ADD COLUMN forced boolean NOT NULL DEFAULT false;

-- One scenario asked for from the page: queued, running (with its progress), done (the scenario)
-- or failed (why). `created_by` is the planner's user name.
CREATE TABLE siting_jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inputs        jsonb NOT NULL,
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    step          text,
    done          integer NOT NULL DEFAULT 0,
    total         integer NOT NULL DEFAULT 0,
    scenario_id   bigint REFERENCES siting_scenarios (id) ON DELETE SET NULL,
    error         text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX siting_jobs_state_idx ON siting_jobs (state) WHERE state IN ('queued', 'running');
