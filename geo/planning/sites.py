"""The chosen sites of a stored siting scenario as a table, and its downloads (CSV, Excel, GeoPackage).

Each site carries what it is (the candidate's premises type and floor area), where it is
(street, community and grid whose polygon covers it, an address) and the residents it
newly covers. Coordinates are EPSG:4326 degrees rounded to 6 decimals (about 0.1 m).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import BadRequest, NotFound

# Output columns in order: (key in the rows of `table`, Chinese header for CSV and Excel).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "序号"),
    ("code", "站址编码"),
    ("name", "名称"),
    ("premises", "场所类型"),
    ("floor_area_m2", "面积（平方米）"),
    ("address", "地址"),
    ("street_code", "街道编码"),
    ("street_name", "街道"),
    ("community_code", "社区编码"),
    ("community_name", "社区"),
    ("grid_code", "网格编码"),
    ("grid_name", "网格"),
    ("newly_covered", "新增覆盖居民"),
    ("lon", "经度"),
    ("lat", "纬度"),
)
FORMATS: tuple[str, ...] = ("csv", "xlsx", "gpkg")
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}
_INTEGERS = ("rank", "newly_covered")
_FLOATS = ("floor_area_m2", "lon", "lat")
# A text cell starting with one of these is read by spreadsheets as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table(conn: psycopg.Connection, scenario_id: int) -> list[dict[str, object]]:
    """The scenario's chosen sites in rank order, one dict per site keyed as COLUMNS.

    `floor_area_m2` is in square metres and `premises` the candidate's type (both None for
    sites generated on the walking network); `newly_covered` counts residents; `lon`/`lat`
    are degrees (EPSG:4326, 6 decimals). Street, community or grid columns are None for a
    site outside every polygon of that layer. NotFound for an unknown scenario.
    """
    if conn.execute("SELECT 1 FROM siting_scenarios WHERE id = %s", (scenario_id,)).fetchone() is None:
        raise NotFound(f"没有编号为{scenario_id}的选址方案")
    return conn.cursor(row_factory=dict_row).execute(sql_file("siting_sites_table"), {"id": scenario_id}).fetchall()


def export(conn: psycopg.Connection, scenario_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The scenario's sites as a file: (its bytes, its media type, its extension without the dot).

    `fmt` is "csv" (UTF-8 with a byte-order mark, Chinese headers; text that would run as a
    spreadsheet formula gets a leading '), "xlsx" (one sheet,
    Chinese headers) or "gpkg" (a point layer `scenario_<id>_sites` in EPSG:4326 with the
    column keys as field names). BadRequest for another format, NotFound for an unknown id.
    """
    if fmt not in FORMATS:
        raise BadRequest(f"下载格式应为 {'、'.join(FORMATS)} 之一，实际为“{fmt}”")
    rows = table(conn, scenario_id)
    if fmt == "csv":
        data = _csv(rows)
    elif fmt == "xlsx":
        frame = _frame(rows).rename(columns=dict(COLUMNS))
        data = _written(frame, "xlsx", layer=f"方案{scenario_id}站点", driver="XLSX")
    else:
        frame = _frame(rows)
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
        data = _written(points, "gpkg", layer=f"scenario_{scenario_id}_sites", driver="GPKG", geometry_type="Point")
    return data, MEDIA_TYPES[fmt], fmt


def _csv(rows: list[dict[str, object]]) -> bytes:
    """The rows as CSV under the Chinese headers; the BOM lets Excel read the UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS])
    for row in rows:
        writer.writerow([_cell(row[key]) for key, _ in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _cell(value: object) -> object:
    """One CSV cell: empty for None; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 120, not 120.0
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The rows as a DataFrame with the COLUMNS keys and fixed types (also when empty or all None)."""
    data = {}
    for key, _ in COLUMNS:
        values = [row[key] for row in rows]
        if key in _INTEGERS:
            data[key] = pd.Series(values, dtype="int64")
        elif key in _FLOATS:
            data[key] = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
        else:
            data[key] = pd.Series(values, dtype=object)
    return pd.DataFrame(data)


def _written(frame: pd.DataFrame, extension: str, **options: object) -> bytes:
    """`frame` written by GDAL (pyogrio) to a temporary file, read back as bytes."""
    with tempfile.TemporaryDirectory(prefix="wangge-sites-") as folder:
        path = Path(folder) / f"sites.{extension}"
        pyogrio.write_dataframe(frame, path, **options)
        return path.read_bytes()
