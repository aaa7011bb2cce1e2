"""A tiny, readable administrative hierarchy near Changzhi, built in metres, stored in EPSG:4326.

District 140403 is a 2 km square; two streets split it west/east; each street has a
northern and a southern community (1 km squares); each community has two grids
(west, east), numbered 001 (west) and 002 (east).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

ORIGIN_UTM = (688_000.0, 4_006_000.0)  # UTM 49N metres: lon 113.09, lat 36.17, in Luzhou district
UTM = "EPSG:32649"
_TO_WGS84 = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def m_box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle given in metres from ORIGIN_UTM, as UTM coordinates."""
    ox, oy = ORIGIN_UTM
    return box(ox + x0, oy + y0, ox + x1, oy + y1)


def to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    """UTM 49N geometry to EPSG:4326."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_WGS84.transform(xy[:, 0], xy[:, 1])))


def frame(records: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """A GeoDataFrame from dicts that carry a 'geometry' in UTM metres, converted to `crs`."""
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs=UTM)
    return gdf.to_crs(crs)


def hierarchy() -> dict[str, gpd.GeoDataFrame]:
    """The tiny hierarchy: districts, streets, communities, grids.

    Grids are built first; each parent is the union of its children in EPSG:4326, so
    shared boundaries are identical (as in real data cut from one coverage).
    """
    streets = [("140403001", "东街街道", 0), ("140403002", "西街街道", 1000)]
    communities, grids = [], []
    for street_code, _, x0 in streets:
        for serial, (y0, name) in enumerate([(1000, "北"), (0, "南")], start=1):
            code = f"{street_code}{serial:03d}"
            communities.append({"code": code, "name": f"{name}社区", "street_code": street_code})
            for g, gx in enumerate((x0, x0 + 500), start=1):
                grids.append({"code": f"{code}{g:03d}", "name": f"{name}社区第{g}网格", "community_code": code,
                              "households": 100 * g, "residents": 260 * g, "leader": "张三",
                              "workers": "李四,王五", "geometry": m_box(gx, y0, gx + 500, y0 + 1000)})
    grid_frame = frame(grids)
    community_frame = _dissolve(grid_frame, "community_code", communities)
    street_frame = _dissolve(community_frame, "street_code",
                             [{"code": c, "name": n, "district_code": "140403"} for c, n, _ in streets])
    district_frame = _dissolve(street_frame, "district_code", [{"code": "140403", "name": "潞州区"}])
    return {"districts": district_frame, "streets": street_frame, "communities": community_frame, "grids": grid_frame}


def _dissolve(children: gpd.GeoDataFrame, parent_column: str, parents: list[dict]) -> gpd.GeoDataFrame:
    geoms = [shapely.union_all(children.geometry[children[parent_column] == p["code"]].values) for p in parents]
    return gpd.GeoDataFrame(parents, geometry=geoms, crs=children.crs)


def write_hierarchy(directory: Path) -> Path:
    """Write the hierarchy as GeoPackages named by layer into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, gdf in hierarchy().items():
        gdf.to_file(directory / f"{name}.gpkg", layer=name)
    return directory
