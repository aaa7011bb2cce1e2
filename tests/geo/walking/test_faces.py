"""Blocks traced round the nodes against GEOS's polygonize of the same streets."""

from __future__ import annotations

import numpy as np
import shapely

from geo.walking._blocks import Blocks
from geo.walking._faces import trace
from tests.geo import networks
from tests.geo.walking.test_circles import _lattice


def test_traced_blocks_are_polygonize_blocks_with_their_sides() -> None:
    graph = networks.graph(_lattice(25, 70.0, 3))  # bent streets, missing streets, dead ends
    faces = trace(graph.lines, graph.u, graph.v)
    reference = shapely.get_parts(shapely.polygonize(graph.lines))
    assert len(faces.polygons) == len(reference) > 400
    assert shapely.is_ccw(shapely.get_exterior_ring(faces.polygons)).all()
    at, ref = shapely.STRtree(reference).query(shapely.point_on_surface(faces.polygons), predicate="within")
    assert np.array_equal(np.sort(at), np.arange(len(reference)))
    assert shapely.equals(faces.polygons[at], reference[ref]).all()
    # every side lies along its block's outline, and every street along an outline is a side
    along = shapely.relate_pattern(graph.lines[faces.side_line], faces.polygons[faces.side_face], "F1F******")
    assert along.all()
    face, line = shapely.STRtree(graph.lines).query(faces.polygons, predicate="intersects")
    bounding = shapely.relate_pattern(graph.lines[line], faces.polygons[face], "F1F******")
    assert {*zip(face[bounding], line[bounding], strict=True)} == {*zip(faces.side_face, faces.side_line, strict=True)}
    assert len(faces.islands) == 1  # the lattice's outline only


def test_a_separate_square_inside_a_block_is_an_island() -> None:
    def square(x: float, y: float, side: float) -> list:
        corners = [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
        return [(corners[i], corners[(i + 1) % 4]) for i in range(4)]

    graph = networks.graph([*square(0, 0, 300), *square(100, 100, 50), ((0, 0), (-40, -40))])
    faces = trace(graph.lines, graph.u, graph.v)
    assert sorted(shapely.area(faces.polygons)) == [50 * 50, 300 * 300]  # no hole, no dead end
    big = int(np.argmax(shapely.area(faces.polygons)))
    assert shapely.contains_xy(faces.polygons[big], *faces.islands.T).sum() == 1
    assert 8 not in faces.side_line


def test_a_loop_hanging_inside_a_block_makes_its_outline_touch_itself() -> None:
    graph = networks.graph([((0, 0), (300, 0)), ((300, 0), (300, 300)), ((300, 300), (0, 300)), ((0, 300), (0, 0)),
                            ((0, 0), (100, 50)), ((100, 50), (50, 100)), ((50, 100), (0, 0))])
    faces = trace(graph.lines, graph.u, graph.v)
    assert sorted(np.round(shapely.area(faces.polygons))) == [3750, 90000 - 3750]
    assert shapely.is_valid(faces.polygons).sum() == 1  # the block round the loop: Blocks never takes it as full
    blocks = Blocks.build(graph, 25.0)
    assert blocks.usable.tolist() == shapely.is_valid(blocks.polygons).tolist()


def test_two_streets_leaving_a_node_the_same_way_are_left_to_polygonize() -> None:
    graph = networks.graph([((0, 0), (100, 0)), ((0, 0), (50, 0)), ((100, 0), (50, 80)), ((50, 80), (0, 0))])
    assert trace(graph.lines, graph.u, graph.v) is None
