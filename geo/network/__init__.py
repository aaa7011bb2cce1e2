"""The walking network: graph, snapping points onto it, walking distances and coverage matrices."""
