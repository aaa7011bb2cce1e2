-- Key figures of what is loaded, for the front page.
SELECT (SELECT count(*) FROM districts) AS districts,
       (SELECT count(*) FROM streets) AS streets,
       (SELECT count(*) FROM communities) AS communities,
       (SELECT count(*) FROM grids) AS grids,
       (SELECT count(*) FROM buildings) AS buildings,
       (SELECT coalesce(sum(residents), 0) FROM buildings) AS residents,
       (SELECT count(*) FROM stations WHERE status = 'existing') AS stations,
       (SELECT count(*) FROM stations WHERE status = 'existing' AND is_24h) AS stations_24h,
       (SELECT count(*) FROM candidates) AS candidates,
       (SELECT count(*) FROM network_edges) AS network_edges,
       (SELECT coalesce(sum(length_m), 0) / 1000 FROM network_edges) AS network_km,
       (SELECT count(*) FROM incidents WHERE status <> '办结') AS open_incidents,
       (SELECT count(*) FROM incidents WHERE status <> '办结' AND deadline < now()) AS overdue_incidents,
       -- residents within 1,000 m of any existing station, from the any-hour access run (NULL before one)
       (SELECT round(100.0 * sum(b.residents) FILTER (WHERE a.distance_m <= 1000) / nullif(sum(b.residents), 0), 1)
        FROM access_runs AS r
        JOIN building_access AS a ON a.run_id = r.id AND a.station_kind = '全部'
        JOIN buildings AS b ON b.id = a.building_id
        WHERE r.at_time IS NULL AND NOT r.include_planned) AS coverage_percent,
       (SELECT count(*) FROM siting_scenarios) AS scenarios,
       (SELECT max(id) FROM siting_scenarios) AS latest_scenario
