-- Walking circles are large polygons (thousands of vertices, tens of kB each) written in
-- bulk: store them out of line uncompressed, as PostGIS advises for large geometries.
-- pglz compression took most of the time of writing them and adds to every read.
ALTER TABLE walk_circles ALTER COLUMN geom SET STORAGE EXTERNAL;
