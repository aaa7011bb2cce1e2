"""Coordinates: CRS handling, GCJ-02/BD-09 conversion, EWKB encoding."""
