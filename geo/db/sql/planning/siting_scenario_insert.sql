-- Store one siting scenario's inputs and headline results, and its newly covered area (EWKB,
-- polygons only, NULL when empty); returns its id.
INSERT INTO siting_scenarios (name, inputs, network_version, method, status, sites, objective, bound, gap, seconds,
                              residents, covered_before, covered_after, demand_total, demand_before, demand_after,
                              details, newly_covered_area)
VALUES (%(name)s, %(inputs)s::jsonb, %(network_version)s, %(method)s, %(status)s, %(sites)s, %(objective)s,
        %(bound)s, %(gap)s, %(seconds)s, %(residents)s, %(covered_before)s, %(covered_after)s, %(demand_total)s,
        %(demand_before)s, %(demand_after)s, %(details)s::jsonb,
        nullif(ST_Multi(ST_CollectionExtract(%(newly_covered_area)s::geometry, 3)), 'SRID=4326;MULTIPOLYGON EMPTY'::geometry))
RETURNING id
