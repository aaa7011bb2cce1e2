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
       (SELECT coalesce(sum(length_m), 0) / 1000 FROM network_edges) AS network_km
