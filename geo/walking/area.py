"""Who is within reach of any point: walking rings from a clicked spot, with the buildings and residents inside.

The rings are built exactly as the stations' walking circles are (geo.walking.circles: the
start snapped onto the nearest edge, partial edges walked to the limit, the blocks the walk
encloses filled). A building is within a ring when its walking distance from the start,
along the network between the snapped points (geo.network.reach.to_points), is within the
ring's limit: the same rule as the access figures, so a ring's residents can be checked
against any router on the same edges. Nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely

from geo.errors import BadRequest
from geo.layers.export import COORDINATE_DECIMALS
from geo.network import reach, snap
from geo.walking._loaded import Loaded
from geo.walking.circles import WalkParams, circles


@dataclass(frozen=True)
class Ring:
    """Everything within `minutes` of walking (`limit_m` metres); `geom` in EPSG:4326."""

    minutes: float
    limit_m: float
    buildings: int
    residents: int
    area_m2: float
    geom: shapely.Geometry


@dataclass(frozen=True)
class WalkArea:
    """The rings of one start point (WGS 84 degrees), smallest first; `snap_m`: its gap to the network."""

    lon: float
    lat: float
    snap_m: float
    rings: list[Ring]


def building_distances(loaded: Loaded, start: snap.Snapped, limit_m: float) -> np.ndarray:
    """Walking distance (m) from the one snapped `start` to every building (inf beyond `limit_m` or off-network)."""
    graph = loaded.graph
    _, node_dist = next(reach.distances_from(graph, start, np.array([0]), limit_m))
    source = np.where(np.isfinite(node_dist), 0, -1)
    dist, _ = reach.to_points(graph, node_dist, source, loaded.buildings, start)
    return dist


def walk_area(loaded: Loaded, lon: float, lat: float, params: WalkParams) -> WalkArea:
    """The walking rings of a start point at `lon`, `lat` (WGS 84) for every time in `params`."""
    graph = loaded.graph
    start = snap.snap(graph, snap.lonlat_to_points(graph, np.array([lon]), np.array([lat])))
    if not start.on_network[0]:
        raise BadRequest(f"该点距最近的步行道路超过{snap.MAX_SNAP_M:g}米，无法计算步行范围")
    longest = params.limit_m(max(params.minutes))
    dist = building_distances(loaded, start, longest)
    rings = []
    for circle in circles(graph, start, params, lonlat=True):
        inside = dist <= circle.limit_m
        rings.append(Ring(circle.minutes, circle.limit_m, int(inside.sum()), int(loaded.residents[inside].sum()),
                          circle.area_m2, circle.geom))
    return WalkArea(lon, lat, float(start.distance_m[0]), rings)


def to_geojson(area: WalkArea, *, speed_kmh: float) -> dict[str, object]:
    """The rings as a GeoJSON FeatureCollection, largest first (so smaller rings draw on top)."""
    features = []
    for ring in reversed(area.rings):
        geom = shapely.set_precision(ring.geom, 10 ** -COORDINATE_DECIMALS)
        features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geom)), "properties": {
            "minutes": ring.minutes, "limit_m": round(ring.limit_m, 1), "buildings": ring.buildings,
            "residents": ring.residents, "area_m2": round(ring.area_m2, 1)}})
    return {"type": "FeatureCollection", "features": features,
            "start": {"lon": area.lon, "lat": area.lat, "snap_m": round(area.snap_m, 1), "speed_kmh": speed_kmh}}
