-- Unions of the walking circles per station kind, hour and ring, as the maps draw them
-- (simplified). `version` fingerprints the circles they were made from; a map asking with
-- another fingerprint recomputes the row.
CREATE TABLE map_ring_unions (
    station_kind text NOT NULL,
    at_key       text NOT NULL,  -- 'HH:MM', or '' for any hour
    minutes      double precision NOT NULL,
    version      text NOT NULL,
    stations     integer NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    geom         geometry(MultiPolygon, 4326),
    PRIMARY KEY (station_kind, at_key, minutes)
);
CREATE INDEX map_ring_unions_geom_idx ON map_ring_unions USING gist (geom);
