"""Coordinate reference systems: what an input declares, and metric CRSs for analysis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from geo.coords import chinacoords
from geo.errors import CRSError

STORAGE_EPSG = 4326
# Geographic CRSs stored as they are: they agree with WGS 84 to within a metre
# (CGCS2000 is EPSG:4490). Xian 1980 or Beijing 1954 are transformed like any other CRS.
_GEOGRAPHIC_OK = {4326, 4490, 4979}



@dataclass(frozen=True)
class Declared:
    """What the input's coordinates are: a pyproj CRS, or an obfuscated Chinese datum."""

    crs: CRS | None = None
    china_system: str | None = None  # "GCJ02" or "BD09"

    def __str__(self) -> str:
        if self.china_system:
            return self.china_system
        return self.crs.to_string() if self.crs is not None else "未声明"


def parse_crs_option(text: str) -> Declared:
    """Parse a user's CRS declaration: 'EPSG:4547', 'wgs84', 'cgcs2000', 'gcj02', 'bd09', WKT."""
    try:
        system = chinacoords.normalise_system(text)
    except ValueError:
        system = None
    if system in ("GCJ02", "BD09"):
        return Declared(china_system=system)
    if system in ("WGS84", "CGCS2000"):
        return Declared(crs=CRS.from_epsg(STORAGE_EPSG if system == "WGS84" else 4490))
    try:
        return Declared(crs=CRS.from_user_input(text))
    except Exception as exc:  # pyproj raises CRSError subclasses and ValueError
        raise CRSError(f"无法识别的坐标系“{text}”：{exc}") from None


def resolve(file_crs: CRS | None, option: str | None, source: str) -> Declared:
    """Combine the CRS a file declares with the one the user passes (`--crs`).

    GCJ-02/BD-09 files are usually labelled as plain WGS 84, so a Chinese-datum option
    overrides a geographic file CRS; any other disagreement is an error.
    """
    if option is None:
        if file_crs is None:
            raise CRSError(f"{source}：文件未声明坐标系，请用 --crs 指定（如 EPSG:4326、gcj02、EPSG:4547）")
        return Declared(crs=file_crs)
    declared = parse_crs_option(option)
    if file_crs is None:
        return declared
    if declared.china_system:
        if file_crs.is_geographic:
            return declared
        raise CRSError(f"{source}：文件坐标系为投影坐标系 {file_crs.to_string()}，不可能是 {declared}")
    if not declared.crs.equals(file_crs, ignore_axis_order=True) and not _both_wgs84_like(declared.crs, file_crs):
        raise CRSError(f"{source}：文件声明的坐标系 {file_crs.to_string()} 与指定的 {declared} 不一致")
    return declared


def _both_wgs84_like(a: CRS, b: CRS) -> bool:
    return a.to_epsg() in _GEOGRAPHIC_OK and b.to_epsg() in _GEOGRAPHIC_OK


def to_storage(geoms: np.ndarray, declared: Declared) -> np.ndarray:
    """Transform shapely geometries from the declared CRS to EPSG:4326 (lon, lat order)."""
    if declared.china_system:
        system = declared.china_system
        return shapely.transform(geoms, lambda xy: np.column_stack(chinacoords.to_wgs84(xy[:, 0], xy[:, 1], system)))
    crs = declared.crs
    if crs.to_epsg() in _GEOGRAPHIC_OK:
        return geoms
    transformer = Transformer.from_crs(crs, STORAGE_EPSG, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def to_ewkb(geom: shapely.Geometry | np.ndarray, *, binary: bool = False) -> str | bytes | np.ndarray:
    """EWKB with SRID 4326 (element-wise for arrays): hex, as PostGIS takes geometry in a text
    COPY, or raw bytes for a binary COPY (geometry's receive function reads EWKB)."""
    return shapely.to_wkb(shapely.set_srid(geom, STORAGE_EPSG), hex=not binary, include_srid=True)


def metric_crs(bounds: tuple[float, float, float, float]) -> CRS:
    """The UTM zone (WGS 84) best suited for metric work on data within `bounds`.

    `bounds` is (min_lon, min_lat, max_lon, max_lat) in EPSG:4326 degrees.
    """
    west, south, east, north = bounds
    found = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(west, south, east, north),
    )
    if not found:
        raise CRSError(f"找不到适合范围 {bounds} 的UTM投影")
    centre = (west + east) / 2
    best = min(found, key=lambda info: abs((info.area_of_use.west + info.area_of_use.east) / 2 - centre))
    return CRS.from_epsg(int(best.code))
