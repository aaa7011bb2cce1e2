-- Duplicate linking: a tighter first cut for the trigger of migration 0004.
-- The first cut is a box just wider than 50 m (0.00046° of latitude is ≥ 50.8 m; longitude
-- scaled by the latitude) instead of a fixed 0.001° (about 110 × 90 m at 38°N): where reports
-- crowd, a quarter of the candidates go through the exact spheroid distance.
CREATE OR REPLACE FUNCTION wangge_link_duplicate() RETURNS trigger LANGUAGE plpgsql AS $$
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
          AND i.geom && ST_Expand($3, 0.00046 / greatest(cos(radians(ST_Y($3))), 0.01), 0.00046)
          AND ST_DWithin(i.geom::geography, $3::geography, 50)
        ORDER BY i.reported_at, i.id LIMIT 1
    $q$ INTO NEW.duplicate_of USING NEW.category_code, NEW.reported_at, NEW.geom;
    RETURN NEW;
END;
$$;
