-- Coverage gaps (uncovered buildings and hexagons of uncovered residents) and siting
-- scenarios with their inputs and results. Distances in metres, geometries in EPSG:4326.

-- Where delivery riders, couriers and other new-economy workers gather (新就业群体聚集点):
-- demand for 暖新驿站 besides residents. `workers` is the typical number present at once.
CREATE TABLE worker_hotspots (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code    text NOT NULL UNIQUE,
    name    text,
    kind    text NOT NULL DEFAULT '外卖',
    workers integer NOT NULL CHECK (workers >= 0),
    attrs   jsonb NOT NULL DEFAULT '{}',
    geom    geometry(Point, 4326) NOT NULL
);
CREATE INDEX worker_hotspots_geom_idx ON worker_hotspots USING gist (geom);

-- One gap computation: buildings farther than limit_m from a station of `station_kind`
-- ('全部': any kind) in one access run (which fixes the hour and the planned-station choice).
CREATE TABLE gap_runs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    access_run_id       bigint NOT NULL REFERENCES access_runs (id) ON DELETE CASCADE,
    station_kind        text NOT NULL,
    limit_m             double precision NOT NULL CHECK (limit_m > 0),
    h3_resolution       integer NOT NULL CHECK (h3_resolution BETWEEN 0 AND 15),
    residents           bigint NOT NULL,
    uncovered_residents bigint NOT NULL,
    computed_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (access_run_id, station_kind, limit_m, h3_resolution)
);

-- distance_m NULL: no open station of the kind is reachable at all.
CREATE TABLE gap_buildings (
    run_id      bigint NOT NULL REFERENCES gap_runs (id) ON DELETE CASCADE,
    building_id bigint NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    residents   integer NOT NULL,
    distance_m  double precision,
    PRIMARY KEY (run_id, building_id)
);

CREATE TABLE gap_hexagons (
    run_id              bigint NOT NULL REFERENCES gap_runs (id) ON DELETE CASCADE,
    h3                  text NOT NULL,
    buildings           integer NOT NULL,
    uncovered_residents integer NOT NULL,
    geom                geometry(Polygon, 4326) NOT NULL,
    PRIMARY KEY (run_id, h3)
);
CREATE INDEX gap_hexagons_geom_idx ON gap_hexagons USING gist (geom);

-- A siting scenario: inputs (k or a target share, station kind, hour, limit, demand
-- weights, candidate source, solver settings) and results (objective, bound, gap).
CREATE TABLE siting_scenarios (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    inputs              jsonb NOT NULL,
    network_version     bigint NOT NULL,
    method              text NOT NULL,
    status              text NOT NULL,
    sites               integer NOT NULL,
    objective           double precision NOT NULL,
    bound               double precision,
    gap                 double precision,
    seconds             double precision NOT NULL,
    residents           bigint NOT NULL,
    covered_before      bigint NOT NULL,
    covered_after       bigint NOT NULL,
    demand_total        double precision NOT NULL,
    demand_before       double precision NOT NULL,
    demand_after        double precision NOT NULL,
    details             jsonb NOT NULL DEFAULT '{}'  -- bound kind, optimality, problem sizes, …
);

-- The chosen sites in order of choice (rank 1 first); `circle` is its walking area at the limit.
CREATE TABLE siting_sites (
    scenario_id        bigint NOT NULL REFERENCES siting_scenarios (id) ON DELETE CASCADE,
    rank               integer NOT NULL,
    candidate_id       bigint REFERENCES candidates (id) ON DELETE SET NULL,
    code               text NOT NULL,
    name               text,
    newly_covered      bigint NOT NULL,
    geom               geometry(Point, 4326) NOT NULL,
    circle             geometry(MultiPolygon, 4326),
    PRIMARY KEY (scenario_id, rank)
);
CREATE INDEX siting_sites_geom_idx ON siting_sites USING gist (geom);

-- Residents covered before and after, per street.
CREATE TABLE siting_streets (
    scenario_id    bigint NOT NULL REFERENCES siting_scenarios (id) ON DELETE CASCADE,
    street_code    text NOT NULL,
    residents      bigint NOT NULL,
    covered_before bigint NOT NULL,
    covered_after  bigint NOT NULL,
    PRIMARY KEY (scenario_id, street_code)
);
