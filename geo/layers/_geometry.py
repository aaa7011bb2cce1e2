"""Geometry checks on input: type, coordinate range, validity and unambiguous repair."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from geo.errors import Problem
from geo.layers.schema import GeometryKind

# Two standard repairs agreeing within this share of the area make a repair unambiguous.
REPAIR_AGREEMENT = 1e-9
_ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "polygon": ("Polygon", "MultiPolygon"),
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString"),
}
_KIND_LABEL = {"polygon": "面", "point": "点", "line": "线"}


@dataclass
class Checked:
    """Geometries fit for storage (None where a row was rejected) and what was found."""

    geoms: np.ndarray
    repaired_rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check(geoms: np.ndarray, kind: GeometryKind, rows: np.ndarray, source: str) -> Checked:
    """Check EPSG:4326 geometries for one layer; repair what has exactly one sensible repair.

    Polygons come back as MultiPolygon, points as Point and lines as LineString; Z is dropped.
    """
    out = np.empty(len(geoms), dtype=object)
    result = Checked(out)
    for i, geom in enumerate(geoms):
        row = int(rows[i])
        reason = _shape_problem(geom, kind)
        if reason is None:
            geom = shapely.force_2d(geom)
            reason = _range_problem(geom)
        if reason is None and kind == "polygon" and not geom.is_valid:
            repaired = _repair(geom)
            if repaired is None:
                reason = f"几何无效且无法唯一修复：{shapely.is_valid_reason(geom)}"
            else:
                geom = repaired
                result.repaired_rows.append(row)
        if reason is not None:
            result.problems.append(Problem(source, reason, row, "geometry"))
            continue
        out[i] = _normalise_type(geom, kind)
        if out[i] is None:
            result.problems.append(Problem(source, "多部件几何无法作为单个要素存储", row, "geometry"))
    return result


def _shape_problem(geom: object, kind: GeometryKind) -> str | None:
    if geom is None or shapely.is_empty(geom):
        return "缺少几何"
    if kind != "any" and geom.geom_type not in _ACCEPTED_TYPES[kind]:
        return f"几何类型应为{_KIND_LABEL[kind]}，实际为{geom.geom_type}"
    return None


def _range_problem(geom: shapely.Geometry) -> str | None:
    coords = shapely.get_coordinates(geom)
    lon, lat = coords[:, 0], coords[:, 1]
    if not np.isfinite(coords).all():
        return "坐标无效（非有限数值）"
    if np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90):
        return None
    if np.all(np.abs(lat) <= 180) and np.all(np.abs(lon) <= 90):
        return f"经纬度疑似颠倒（经度{lon[0]:.6f}，纬度{lat[0]:.6f}）"
    return f"坐标超出经纬度范围（{lon[0]:.3f}, {lat[0]:.3f}），坐标系声明可能有误"


def _repair(geom: shapely.Geometry) -> shapely.Geometry | None:
    """make_valid by 'linework' and by 'structure'; accept only when both agree."""
    linework = _polygonal_part(shapely.make_valid(geom, method="linework"))
    structure = _polygonal_part(shapely.make_valid(geom, method="structure", keep_collapsed=False))
    if linework is None or structure is None:
        return None
    scale = max(linework.area, structure.area)
    if scale == 0 or shapely.symmetric_difference(linework, structure).area > REPAIR_AGREEMENT * scale:
        return None
    return structure


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def _normalise_type(geom: shapely.Geometry, kind: GeometryKind) -> shapely.Geometry | None:
    if kind == "polygon":
        polygons = shapely.get_parts(geom)
        return shapely.multipolygons(polygons)
    if kind in ("point", "line") and geom.geom_type.startswith("Multi"):
        parts = shapely.get_parts(geom)
        return parts[0] if len(parts) == 1 else None
    return geom
