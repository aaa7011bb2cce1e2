"""Where delivery riders, couriers and ride-hailing drivers gather (新就业群体聚集点).

They wait at the kerb outside shops and restaurants: points beside the walking edge
nearest to commercial buildings, picked with probability growing with the building's
footprint (more shops, more orders), at least MIN_SPACING_M apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from data.demo_city import names
from data.demo_city.frame import Lattice
from data.demo_city.landuse import LandUse, road_names
from data.demo_city.network import Network

HOTSPOTS_FULL = 36  # at scale 1
MIN_SPACING_M = 200.0
KERB_OFFSET_M = 4.0  # from the edge, towards the building
KINDS = ("外卖", "快递", "网约车")
KIND_SHARES = (0.6, 0.3, 0.1)
WORKERS_MEDIAN = {"外卖": 18, "快递": 8, "网约车": 6}
WORKERS_SPREAD = 0.6  # lognormal sigma
COMMERCIAL_KINDS = ("商业", "商住")


def build_hotspots(rng: np.random.Generator, lattice: Lattice, land: LandUse, network: Network,
                   buildings: pd.DataFrame, scale: float) -> pd.DataFrame:
    """code, name, kind, workers and a UTM point for each gathering place."""
    shops = buildings[buildings.kind.isin(COMMERCIAL_KINDS)]
    footprint = shapely.area(shops.geometry.to_numpy())
    order = rng.choice(len(shops), size=len(shops), replace=False, p=footprint / footprint.sum())
    edges = shapely.linestrings(network.edges[["x0", "y0", "x1", "y1"]].to_numpy().reshape(-1, 2, 2))
    tree = shapely.STRtree(edges)
    wanted = max(len(KINDS), round(HOTSPOTS_FULL * scale))
    spacing = MIN_SPACING_M * lattice.linear_scale
    points: list[shapely.Point] = []
    for i in order:
        centre = shapely.centroid(shops.geometry.iloc[i])
        edge = edges[tree.nearest(centre)]
        kerb = shapely.line_interpolate_point(edge, shapely.line_locate_point(edge, centre))
        gap = shapely.distance(kerb, centre)
        if gap > 0:
            step = min(KERB_OFFSET_M, gap) / gap
            kerb = shapely.Point(kerb.x + (centre.x - kerb.x) * step, kerb.y + (centre.y - kerb.y) * step)
        if all(shapely.distance(kerb, p) >= spacing for p in points):
            points.append(kerb)
        if len(points) == wanted:
            break
    kinds = rng.choice(len(KINDS), size=len(points), p=KIND_SHARES)
    kind_names = [KINDS[k] for k in kinds]
    workers = [max(1, round(WORKERS_MEDIAN[k] * float(np.exp(rng.normal(0.0, WORKERS_SPREAD))))) for k in kind_names]
    xy = shapely.get_coordinates(points)
    roads = road_names(lattice, xy[:, 0], xy[:, 1], land)
    labels = names.dedupe([f"{road}{kind}聚集点" for road, kind in zip(roads, kind_names, strict=True)])
    return pd.DataFrame({"code": [f"H{k:03d}" for k in range(1, len(points) + 1)], "name": labels,
                         "kind": kind_names, "workers": workers, "geometry": points})
