-- The import that last changed the walking network; circles computed on an older one are stale.
SELECT coalesce(max(id), 0) FROM imports WHERE layer IN ('network_edges', 'network_nodes')
