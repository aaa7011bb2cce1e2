-- Incidents land on their grid the moment they are stored: a trigger assigns the grid of
-- the comprehensive system (综合网格) that covers the point; on a boundary shared by
-- several grids, the one with the smallest code. A point in no grid but within the
-- fallback distance goes to the nearest grid (属地兜底), marked 'nearest' with the
-- distance; farther points are 'out_of_area' for a dispatcher to place.
CREATE TABLE assignment_settings (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    grid_system text NOT NULL DEFAULT '综合网格' REFERENCES grid_systems (name),
    fallback_m  double precision NOT NULL DEFAULT 200 CHECK (fallback_m >= 0)
);
INSERT INTO assignment_settings DEFAULT VALUES;

ALTER TABLE incidents
    ADD COLUMN coord_system      text NOT NULL DEFAULT 'WGS84',
    ADD COLUMN assign_method     text NOT NULL DEFAULT 'no_location'
        CHECK (assign_method IN ('inside', 'nearest', 'out_of_area', 'no_location', 'manual')),
    ADD COLUMN assign_distance_m double precision,
    ADD COLUMN assigned_at       timestamptz,
    ADD COLUMN handling_type     text CHECK (handling_type IN ('即办件', '承诺件', '上报件', '协办件', '告知件')),
    ADD COLUMN department        text,
    ADD COLUMN deadline          timestamptz,
    ADD COLUMN received_at       timestamptz NOT NULL DEFAULT now();
CREATE INDEX incidents_grid_idx ON incidents (grid_id);

-- The grid for a point: (grid id, method, distance in metres).
CREATE FUNCTION wangge_grid_for_point(p geometry, OUT grid_id bigint, OUT method text, OUT distance_m double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cfg assignment_settings;
BEGIN
    IF p IS NULL THEN
        method := 'no_location';
        RETURN;
    END IF;
    SELECT * INTO cfg FROM assignment_settings;
    SELECT g.id INTO grid_id FROM grids AS g
    WHERE g.system = cfg.grid_system AND ST_Covers(g.geom, p)
    ORDER BY g.code LIMIT 1;
    IF grid_id IS NOT NULL THEN
        method := 'inside';
        distance_m := 0;
        RETURN;
    END IF;
    -- Nearest by metres among the few nearest by degrees (degrees are not square at 36°N).
    SELECT c.id, c.d INTO grid_id, distance_m FROM (
        SELECT g.id, g.code, ST_Distance(g.geom::geography, p::geography) AS d
        FROM grids AS g WHERE g.system = cfg.grid_system
        ORDER BY g.geom <-> p LIMIT 8
    ) AS c ORDER BY c.d, c.code LIMIT 1;
    IF grid_id IS NOT NULL AND distance_m <= cfg.fallback_m THEN
        method := 'nearest';
    ELSE
        grid_id := NULL;
        method := 'out_of_area';
    END IF;
END;
$$;

CREATE FUNCTION wangge_assign_incident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.assign_method = 'manual' AND TG_OP = 'UPDATE' AND NEW.geom IS NOT DISTINCT FROM OLD.geom THEN
        RETURN NEW;  -- a dispatcher's placement stands until the location changes
    END IF;
    SELECT a.grid_id, a.method, a.distance_m INTO NEW.grid_id, NEW.assign_method, NEW.assign_distance_m
    FROM wangge_grid_for_point(NEW.geom) AS a;
    NEW.assigned_at := clock_timestamp();
    RETURN NEW;
END;
$$;

CREATE TRIGGER incidents_assign
    BEFORE INSERT OR UPDATE OF geom ON incidents
    FOR EACH ROW EXECUTE FUNCTION wangge_assign_incident();
