"""EWKB of multipolygons put together from rings encoded beforehand.

A walking circle is mostly the holes of the blocks it covers, the same in every circle
that covers them: their rings are encoded once (`ring`), and each circle's EWKB is its
own rings and those bytes joined (`multipolygon`), as shapely.to_wkb would write it
(little-endian, SRID given; tests/geo/test_ewkb.py compares them).
"""

from __future__ import annotations

import struct

import numpy as np

_LITTLE_ENDIAN = 1
_POLYGON = 3
_MULTIPOLYGON = 6
_HAS_SRID = 0x20000000


def ring(xy: np.ndarray) -> bytes:
    """A ring's WKB: its number of points, then x and y of each (closed: the first point last too)."""
    return struct.pack("<I", len(xy)) + np.ascontiguousarray(xy, dtype="<f8").tobytes()


def multipolygon(polygons: list[list[bytes]], srid: int) -> bytes:
    """EWKB of a MultiPolygon with `srid`; each polygon given as its rings' WKB, shell first."""
    out = [struct.pack("<BIII", _LITTLE_ENDIAN, _MULTIPOLYGON | _HAS_SRID, srid, len(polygons))]
    for rings in polygons:
        out.append(struct.pack("<BII", _LITTLE_ENDIAN, _POLYGON, len(rings)))
        out.extend(rings)
    return b"".join(out)
