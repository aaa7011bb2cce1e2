"""Read GeoPackage, GeoJSON, (zipped) Shapefile and CSV inputs into one raw shape."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.errors import ImportRejected, Problem

SPATIAL_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb")
CSV_SUFFIXES = (".csv", ".txt")
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
SYSTEM_NAMES = ("coord_system", "crs", "坐标系")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Chinese office exports are often GB18030
FIRST_CSV_DATA_LINE = 2  # line 1 is the header


@dataclass
class RawTable:
    """An input as read: attributes as text/objects, geometries in the declared CRS.

    `rows` holds the row number each record had in the file (CSV line number, or the
    1-based feature number), so every later message can point back at it.
    """

    source: str
    frame: pd.DataFrame
    geometry: np.ndarray | None
    rows: np.ndarray
    crs: CRS | None
    systems: np.ndarray | None = None  # per-row coordinate system (CSV column), or None
    problems: list[Problem] = field(default_factory=list)


def read(path: Path, *, source_layer: str | None = None) -> RawTable:
    """Read one input file; the kind is chosen by its suffix."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix in SPATIAL_SUFFIXES:
        return _read_spatial(path, source_layer)
    raise ImportRejected([Problem(path.name, f"不支持的文件类型“{suffix}”；支持 GeoPackage、GeoJSON、Shapefile（可压缩为zip）、CSV")])


def _read_spatial(path: Path, source_layer: str | None) -> RawTable:
    layers = [name for name, _ in pyogrio.list_layers(path)]
    if source_layer is None and len(layers) > 1:
        raise ImportRejected([Problem(path.name, f"文件包含多个图层 {layers}，请用 --source-layer 指定")])
    try:
        frame = pyogrio.read_dataframe(path, layer=source_layer, use_arrow=False)
    except pyogrio.errors.DataSourceError as exc:
        raise ImportRejected([Problem(path.name, f"无法读取文件：{exc}")]) from None
    geometry = np.asarray(frame.geometry.values, dtype=object) if "geometry" in frame else None
    attributes = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    return RawTable(path.name, attributes.reset_index(drop=True), geometry,
                    np.arange(1, len(frame) + 1), frame.crs)


def read_csv(path: Path | BinaryIO, name: str | None = None) -> RawTable:
    """Read a CSV (file or binary stream); with lon/lat columns, build points and report bad rows.

    `name` is what messages call the input (default: the file's name).
    """
    name = name or Path(getattr(path, "name", "CSV")).name
    frame = _read_csv_text(path, name)
    rows = np.arange(FIRST_CSV_DATA_LINE, len(frame) + FIRST_CSV_DATA_LINE)
    lon_col = _find_column(frame, LON_NAMES)
    lat_col = _find_column(frame, LAT_NAMES)
    if lon_col is None or lat_col is None:
        return RawTable(name, frame, None, rows, None)
    problems: list[Problem] = []
    lon = _parse_coordinates(frame[lon_col], rows, name, lon_col, problems)
    lat = _parse_coordinates(frame[lat_col], rows, name, lat_col, problems)
    points = shapely.points(lon, lat)
    points[np.isnan(lon) | np.isnan(lat)] = None
    system_col = _find_column(frame, SYSTEM_NAMES)
    systems = frame[system_col].to_numpy(dtype=object) if system_col else None
    attributes = frame.drop(columns=[c for c in (lon_col, lat_col, system_col) if c])
    # lon/lat columns are WGS 84 unless the user declares otherwise (--crs or a column).
    return RawTable(name, attributes, points, rows, CRS.from_epsg(4326), systems, problems)


def _read_csv_text(path: Path | BinaryIO, name: str) -> pd.DataFrame:
    for encoding in CSV_ENCODINGS:
        if not isinstance(path, Path):
            path.seek(0)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ImportRejected([Problem(name, f"CSV格式错误：{exc}")]) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame
    raise ImportRejected([Problem(name, "文件编码无法识别（应为UTF-8或GB18030）")])


def _find_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in frame.columns}
    return next((lowered[n] for n in names if n in lowered), None)


# ASCII only: full-width digits from an IME are reported, not guessed at.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _parse_coordinates(values: pd.Series, rows: np.ndarray, source: str, column: str,
                       problems: list[Problem]) -> np.ndarray:
    """Strictly parse decimal degrees; blank or garbled values become NaN plus a Problem."""
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values.to_numpy(dtype=object)):
        stripped = str(text).strip()
        if not stripped:
            problems.append(Problem(source, "坐标为空", int(rows[i]), column))
        elif not _NUMBER.fullmatch(stripped) or not math.isfinite(float(stripped)):
            problems.append(Problem(source, f"无法解析的坐标值“{stripped}”", int(rows[i]), column))
        else:
            out[i] = float(stripped)
    return out
