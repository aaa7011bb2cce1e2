"""Walking circles and who is within reach: circles and their store, access, coverage, gaps."""
