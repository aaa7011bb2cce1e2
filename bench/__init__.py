"""Benchmarks: each script prints our figure beside its reference (see bench/README.md)."""
