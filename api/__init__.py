"""Thin FastAPI routes over geo/: parse the request, call geo/, shape the response."""
