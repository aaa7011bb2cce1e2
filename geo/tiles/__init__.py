"""Mapbox Vector Tiles of the base layers, from PostGIS (`ST_AsMVT`), cached per data version."""
