-- Residents within %(limit_m)s metres' walk of a counting station, per street, community or grid
-- (%(level)s), worst share first. Walking distances come as arrays aligned by building, computed
-- on request (NULL: no station reachable, counted as uncovered).
WITH a AS (
    SELECT * FROM unnest(%(building_ids)s::bigint[], %(distances)s::float8[]) AS a(building_id, distance_m)
), b AS (
    SELECT bu.residents, coalesce(a.distance_m <= %(limit_m)s, false) AS covered,
           CASE %(level)s WHEN 'grid' THEN g.code WHEN 'community' THEN co.code ELSE st.code END AS code,
           CASE %(level)s WHEN 'grid' THEN g.name WHEN 'community' THEN co.name ELSE st.name END AS name,
           st.name AS street_name
    FROM buildings AS bu
    LEFT JOIN a ON a.building_id = bu.id
    LEFT JOIN grids AS g ON g.id = bu.grid_id
    LEFT JOIN communities AS co ON co.code = g.community_code
    LEFT JOIN streets AS st ON st.code = co.street_code
    WHERE bu.residents > 0
)
SELECT code, name, CASE WHEN %(level)s = 'street' THEN NULL ELSE min(street_name) END AS street_name,
       count(*) AS buildings, sum(residents) AS residents,
       coalesce(sum(residents) FILTER (WHERE covered), 0) AS covered,
       coalesce(sum(residents) FILTER (WHERE NOT covered), 0) AS uncovered,
       round(coalesce(sum(residents) FILTER (WHERE covered), 0)::numeric / nullif(sum(residents), 0), 4) AS share
FROM b
GROUP BY code, name
ORDER BY share ASC NULLS FIRST, uncovered DESC, code
