"""The synthetic river (like the 石子河, east of the centre) and railway (north-south, west)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from data.demo_city.frame import Lattice

RIVER_NAME = "石子河"
RAILWAY_NAME = "太焦铁路"
RIVER_OFFSET_EAST_M = 2600.0  # mean distance of the river east of the centre at scale 1
RIVER_TILT = 0.12  # eastward drift per metre northwards (the river runs NNE-SSW)
# Meanders: (amplitude m at scale 1, wavelength m).
RIVER_MEANDERS = ((220.0, 2600.0), (90.0, 900.0))
RIVER_HALF_WIDTH_M = 20.0
RAILWAY_OFFSET_WEST_M = 2800.0  # distance of the railway west of the centre at scale 1
RAILWAY_TILT = 0.04
RAILWAY_HALF_WIDTH_M = 15.0  # track bed plus fenced margin
LINE_STEP_M = 20.0  # vertex spacing of the centre lines
OVERHANG_M = 600.0  # the lines run this far beyond the study area
CLEARANCE_M = 5.0  # cells closer than this to a corridor stay empty


def _river_x(y: np.ndarray, x0: float, y_ref: float, phases: tuple[float, ...], f: float) -> np.ndarray:
    dy = np.asarray(y, dtype=float) - y_ref
    x = x0 + RIVER_TILT * dy
    for (amplitude, wavelength), phase in zip(RIVER_MEANDERS, phases, strict=True):
        x = x + amplitude * f * np.sin(2 * np.pi * dy / wavelength + phase)
    return x


@dataclass(frozen=True)
class Barriers:
    """River and railway centre lines and corridors, UTM metres."""

    river_line: shapely.LineString
    river_area: shapely.Polygon
    railway_line: shapely.LineString
    railway_area: shapely.Polygon
    river_x0: float  # river centre line x at y = y_ref (before meanders)
    y_ref: float
    phases: tuple[float, ...]
    linear_scale: float

    def river_x(self, y: np.ndarray) -> np.ndarray:
        """x (UTM m) of the river centre line at northing `y` (UTM m)."""
        return _river_x(y, self.river_x0, self.y_ref, self.phases, self.linear_scale)

    def east_of_river(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where the UTM point (x, y) lies east of the river (the poorly served bank)."""
        return np.asarray(x) > self.river_x(y)

    def blocked(self, geoms: np.ndarray) -> np.ndarray:
        """True for geometries within CLEARANCE_M of the river or railway corridor."""
        near = shapely.union_all([self.river_area, self.railway_area]).buffer(CLEARANCE_M)
        shapely.prepare(near)
        return shapely.intersects(near, geoms)


def build_barriers(rng: np.random.Generator, lattice: Lattice) -> Barriers:
    """Draw the meandering river and the straight railway across the whole study area."""
    f = lattice.linear_scale
    cx, cy = lattice.centre_xy
    ys = lattice.node_xy[..., 1]
    y = np.arange(ys.min() - OVERHANG_M, ys.max() + OVERHANG_M + LINE_STEP_M, LINE_STEP_M)
    phases = tuple(float(p) for p in rng.uniform(0.0, 2 * np.pi, size=len(RIVER_MEANDERS)))
    river_x0 = cx + RIVER_OFFSET_EAST_M * f
    river = shapely.LineString(np.column_stack([_river_x(y, river_x0, cy, phases, f), y]))
    rail_x = cx - RAILWAY_OFFSET_WEST_M * f + RAILWAY_TILT * (y - cy)
    railway = shapely.LineString(np.column_stack([rail_x, y]))
    return Barriers(
        river_line=river,
        river_area=river.buffer(RIVER_HALF_WIDTH_M, cap_style="flat"),
        railway_line=railway,
        railway_area=railway.buffer(RAILWAY_HALF_WIDTH_M, cap_style="flat"),
        river_x0=river_x0,
        y_ref=cy,
        phases=phases,
        linear_scale=f,
    )


def free_cells(lattice: Lattice, barriers: Barriers) -> np.ndarray:
    """(nx, ny) bool: cells of kept superblocks that are clear of the river and railway corridors."""
    quads = lattice.cell_quads()
    free = lattice.cell_kept()
    free[free] = ~barriers.blocked(shapely.polygons(quads[free]))
    return free
