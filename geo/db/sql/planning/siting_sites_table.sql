-- One scenario's chosen sites in rank order, with what each is (premises, floor area),
-- where it is (street, community, grid, address) and the residents it newly covers.
-- A point on a boundary takes one area only (LIMIT 1): the community of its street and the
-- grid of its community first, then the smallest code. Grids come from the grid system
-- incidents are assigned in (assignment_settings, by default 综合网格), else from the
-- system with the most grids, then by system name. The address is the candidate's imported
-- `address` (or `地址`) when that column is declared public (public_attributes, as for every
-- extra column of an imported file), else district + street + community + site name.
-- The same joins give the point properties of siting_sites_geojson.sql: keep both in step.
WITH systems AS (
    SELECT g.system, count(*) AS grids,
           coalesce(g.system = (SELECT a.grid_system FROM assignment_settings AS a), false) AS assigned
    FROM grids AS g
    GROUP BY g.system
)
SELECT s.rank, s.code, s.name, c.kind AS premises, c.floor_area_m2,
       coalesce((SELECT btrim(c.attrs->>p.name) FROM public_attributes AS p
                 WHERE p.layer = 'candidates' AND p.name IN ('address', '地址')
                   AND btrim(c.attrs->>p.name) <> ''
                 ORDER BY p.name = 'address' DESC LIMIT 1),
                nullif(btrim(concat(d.name, st.name, co.name, ' ', s.name)), '')) AS address,
       st.code AS street_code, st.name AS street_name,
       co.code AS community_code, co.name AS community_name,
       gr.code AS grid_code, gr.name AS grid_name,
       s.newly_covered,
       round(ST_X(s.geom)::numeric, 6)::float8 AS lon, round(ST_Y(s.geom)::numeric, 6)::float8 AS lat
FROM siting_sites AS s
LEFT JOIN candidates AS c ON c.id = s.candidate_id
LEFT JOIN LATERAL (
    SELECT x.code, x.name, x.district_code FROM streets AS x
    WHERE ST_Covers(x.geom, s.geom) ORDER BY x.code LIMIT 1
) AS st ON true
LEFT JOIN LATERAL (
    SELECT x.code, x.name FROM communities AS x
    WHERE ST_Covers(x.geom, s.geom) ORDER BY x.street_code IS NOT DISTINCT FROM st.code DESC, x.code LIMIT 1
) AS co ON true
LEFT JOIN LATERAL (
    SELECT x.code, x.name FROM grids AS x JOIN systems AS y ON y.system = x.system
    WHERE ST_Covers(x.geom, s.geom)
    ORDER BY y.assigned DESC, y.grids DESC, x.system, x.community_code IS NOT DISTINCT FROM co.code DESC, x.code
    LIMIT 1
) AS gr ON true
LEFT JOIN LATERAL (
    SELECT x.name FROM districts AS x
    WHERE x.code = st.district_code OR (st.district_code IS NULL AND ST_Covers(x.geom, s.geom))
    ORDER BY x.code LIMIT 1
) AS d ON true
WHERE s.scenario_id = %(id)s
ORDER BY s.rank
