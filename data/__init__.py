"""Demo data for wangge: real source files (data/sources) and the synthetic demo-district generator."""
