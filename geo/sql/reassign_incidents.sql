-- Re-run the assignment trigger on every located incident (after grid boundaries change);
-- incidents a dispatcher placed by hand keep their grid.
UPDATE incidents SET geom = geom WHERE geom IS NOT NULL
