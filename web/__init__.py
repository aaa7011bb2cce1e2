"""Page and map rendering."""
