"""EWKB joined from rings encoded beforehand, against shapely's own EWKB."""

from __future__ import annotations

import shapely

from geo.coords import ewkb
from geo.coords.crs import STORAGE_EPSG, to_ewkb


def test_joined_rings_are_shapely_ewkb_byte_for_byte() -> None:
    first = shapely.Polygon([(113.0, 36.0), (113.1, 36.0), (113.1, 36.1), (113.0, 36.1)],
                            [[(113.02, 36.02), (113.02, 36.04), (113.04, 36.04), (113.04, 36.02)],
                             [(113.06, 36.06), (113.06, 36.08), (113.08, 36.08)]])
    second = shapely.Polygon([(114.0, 37.0), (114.1, 37.0), (114.05, 37.1)])
    expected = to_ewkb(shapely.MultiPolygon([first, second]), binary=True)
    rings = [[ewkb.ring(shapely.get_coordinates(r)) for r in shapely.get_rings(p)] for p in (first, second)]
    got = ewkb.multipolygon(rings, STORAGE_EPSG)
    assert got == expected
    assert shapely.from_wkb(got).equals_exact(shapely.MultiPolygon([first, second]), tolerance=0)
    assert shapely.get_srid(shapely.from_wkb(got)) == STORAGE_EPSG
