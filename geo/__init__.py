"""Spatial logic and database access for wangge; knows nothing of HTTP."""
