"""Citizen requests: intake, CSV import, assignment to grids, handling, privacy, Open311."""
