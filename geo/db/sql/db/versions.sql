-- Versions of the database server and of the spatial extensions wangge needs.
SELECT current_setting('server_version') AS postgresql,
       (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis,
       (SELECT extversion FROM pg_extension WHERE extname = 'pgrouting') AS pgrouting,
       (SELECT max(version) FROM schema_migrations) AS schema_version
