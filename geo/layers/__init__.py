"""The layers: schema, import pipeline (readers, checks), national codes, export, OSM import, stations."""
