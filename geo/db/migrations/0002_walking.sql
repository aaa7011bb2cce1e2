-- Walking circles per station and ring, and walking access from buildings and network
-- nodes to their nearest station. Distances in metres, polygons in EPSG:4326.
CREATE TABLE walk_circles (
    station_id       bigint NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    minutes          double precision NOT NULL CHECK (minutes > 0),
    limit_m          double precision NOT NULL CHECK (limit_m > 0),
    speed_kmh        double precision NOT NULL CHECK (speed_kmh > 0),
    buffer_m         double precision NOT NULL CHECK (buffer_m >= 0),
    network_version  bigint NOT NULL,
    station_geom     geometry(Point, 4326) NOT NULL,
    snap_distance_m  double precision NOT NULL,
    reached_length_m double precision NOT NULL,
    area_m2          double precision NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    geom             geometry(MultiPolygon, 4326) NOT NULL,
    PRIMARY KEY (station_id, minutes)
);
CREATE INDEX walk_circles_geom_idx ON walk_circles USING gist (geom);

-- One computation of nearest stations, for stations open at `at_time` (NULL: any hour).
CREATE TABLE access_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_time         time,
    include_planned boolean NOT NULL DEFAULT false,
    network_version bigint NOT NULL,
    stations        integer NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now()
);

-- station_kind '全部' means any kind; station_id NULL means no station is reachable.
CREATE TABLE building_access (
    run_id       bigint NOT NULL REFERENCES access_runs (id) ON DELETE CASCADE,
    building_id  bigint NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    station_kind text NOT NULL,
    station_id   bigint REFERENCES stations (id) ON DELETE SET NULL,
    distance_m   double precision,
    PRIMARY KEY (run_id, station_kind, building_id)
);

CREATE TABLE node_access (
    run_id       bigint NOT NULL REFERENCES access_runs (id) ON DELETE CASCADE,
    node_id      bigint NOT NULL REFERENCES network_nodes (id) ON DELETE CASCADE,
    station_kind text NOT NULL,
    station_id   bigint REFERENCES stations (id) ON DELETE SET NULL,
    distance_m   double precision,
    PRIMARY KEY (run_id, station_kind, node_id)
);
