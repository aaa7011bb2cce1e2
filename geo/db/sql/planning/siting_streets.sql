-- Residents covered before and after one scenario, per street, with shares.
SELECT s.street_code, st.name AS street_name, s.residents, s.covered_before, s.covered_after,
       round(s.covered_before::numeric / nullif(s.residents, 0), 4) AS share_before,
       round(s.covered_after::numeric / nullif(s.residents, 0), 4) AS share_after
FROM siting_streets AS s
LEFT JOIN streets AS st ON st.code = s.street_code
WHERE s.scenario_id = %(id)s
ORDER BY s.street_code
