"""Import layer files into PostGIS: one transaction per call, all or nothing by default."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import psycopg
from psycopg import sql

from geo.coords import crs
from geo.db import sql as sql_file
from geo.errors import CRSError, ImportRejected, Problem
from geo.layers import _attributes as attributes
from geo.layers import _geometry as geometry
from geo.layers import _readers as readers
from geo.layers import _topology as topology
from geo.layers import codes
from geo.layers._checks import spatial_problems
from geo.layers.schema import DEFAULT_GRID_SYSTEM, LAYERS, LOAD_ORDER, Layer, get_layer
from geo.progress import Progress

OnError = Literal["reject", "skip"]
_PG_TYPES = {"text": "text", "int": "bigint", "float": "double precision", "bool": "boolean",
             "time": "time", "text[]": "text[]", "timestamptz": "timestamptz"}
_CODE_LEVEL = {"districts": "district", "streets": "street", "communities": "community", "grids": "grid"}




@dataclass(frozen=True)
class LoadOptions:
    """How to import: the declared CRS (`--crs`), row errors, spatial problems, replacement.

    on_error='reject' refuses the whole import on any bad row; 'skip' loads the good rows
    and reports the others. accept_problems keeps features that fail the nesting, overlap
    or out-of-area checks, recording every problem in the imports log. replace=True also
    deletes stored features absent from the file.
    """

    crs: str | None = None
    source_layer: str | None = None
    on_error: OnError = "reject"
    accept_problems: bool = False
    replace: bool = False


@dataclass
class LoadReport:
    """What one layer import did."""

    layer: str
    source: str
    source_crs: str
    rows_read: int
    rows_loaded: int
    repaired_rows: list[int] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    accepted_problems: list[Problem] = field(default_factory=list)


def layer_files(directory: Path) -> tuple[list[tuple[Layer, Path]], list[Path]]:
    """Layer files in `directory`, named `{layer}.{ext}`, in load order; and the others."""
    by_stem = {p.stem: p for p in sorted(directory.iterdir()) if p.is_file()}
    found = [(LAYERS[name], by_stem[name]) for name in LOAD_ORDER if name in by_stem]
    used = {path for _, path in found}
    return found, [p for p in by_stem.values() if p not in used]


def load_directory(conn: psycopg.Connection, directory: Path, options: LoadOptions, *,
                   progress: Progress | None = None) -> list[LoadReport]:
    """Load every layer file of `directory` in one transaction; `progress(file, done, total)` after each."""
    found, _ = layer_files(directory)
    if not found:
        raise ImportRejected([Problem(str(directory), f"目录中没有图层文件（文件名应为：{', '.join(LAYERS)}）")])
    reports = []
    with conn.transaction():
        for layer, path in found:
            reports.append(_load(conn, layer, path, options))
            if progress:
                progress(path.name, len(reports), len(found))
    return reports


def load_file(conn: psycopg.Connection, path: Path, layer_name: str | None, options: LoadOptions) -> LoadReport:
    """Load one file into `layer_name` (default: the file's stem) in one transaction."""
    layer = get_layer(layer_name or path.stem)
    with conn.transaction():
        return _load(conn, layer, path, options)


def _load(conn: psycopg.Connection, layer: Layer, path: Path, options: LoadOptions) -> LoadReport:
    raw = readers.read(path, source_layer=options.source_layer)
    problems = list(raw.problems)
    values, attrs = attributes.parse(layer, raw.frame, raw.rows, raw.source, problems)
    _apply_defaults(layer, values)
    _check_codes(layer, values, raw.rows, raw.source, problems)
    _check_duplicate_keys(layer, values, raw.rows, raw.source, problems)
    declared_text = "无几何"
    geoms = None
    repaired: list[int] = []
    if layer.geometry is not None:
        geoms, declared_text, checked = _storage_geometries(layer, raw, options)
        problems += checked.problems
        repaired = checked.repaired_rows
    if any(p.row is None for p in problems):  # file-level problems: nothing can be loaded
        raise ImportRejected(problems)
    bad_rows = {p.row for p in problems}
    keep = np.array([int(r) not in bad_rows for r in raw.rows], dtype=bool)
    if layer.name == "network_edges" and geoms is not None:
        _prepare_edges(conn, values, geoms, keep)
    stage = _stage(conn, layer, values, attrs, geoms, raw.rows, keep)
    found = spatial_problems(conn, layer, stage, raw.source, replace=options.replace)
    if options.on_error == "reject" and (problems or (found and not options.accept_problems)):
        raise ImportRejected(sorted(problems + found, key=lambda p: (p.row or 0, p.reason)))
    if found and not options.accept_problems:  # good rows only: spatial problems skip rows too
        problems += found
        conn.execute(sql.SQL("DELETE FROM {} WHERE _row = ANY(%s)").format(stage), ([p.row for p in found],))
        found = []
    loaded = _upsert(conn, layer, stage, replace=options.replace, source=raw.source)
    _after_load(conn, layer, stage)
    report = LoadReport(layer.name, str(path), declared_text, len(raw.rows), loaded, repaired, problems, found)
    _log(conn, report, options)
    return report


def _apply_defaults(layer: Layer, values: dict[str, list[object]]) -> None:
    for column in layer.columns:
        if column.default is not None:
            values[column.name] = [column.default if v is None else v for v in values[column.name]]


def _check_codes(layer: Layer, values: dict[str, list[object]], rows: np.ndarray, source: str,
                 problems: list[Problem]) -> None:
    level = _CODE_LEVEL.get(layer.name)
    if level is None:
        return
    parents = values[layer.parent[0]] if layer.parent else [None] * len(rows)
    for code, parent, row in zip(values["code"], parents, rows, strict=True):
        if code is not None:
            reason = codes.code_problem(level, code, parent)
            if reason:
                problems.append(Problem(source, reason, int(row), "code"))


def _check_duplicate_keys(layer: Layer, values: dict[str, list[object]], rows: np.ndarray, source: str,
                          problems: list[Problem]) -> None:
    keys = list(zip(*(values[k] for k in layer.key), strict=True))
    counts = Counter(k for k in keys if None not in k)
    for key, row in zip(keys, rows, strict=True):
        if counts.get(key, 0) > 1:
            problems.append(Problem(source, f"编码重复：{'/'.join(map(str, key))}", int(row), layer.key[-1]))


def _storage_geometries(layer: Layer, raw: readers.RawTable,
                        options: LoadOptions) -> tuple[np.ndarray, str, geometry.Checked]:
    """Geometries in EPSG:4326, honouring a per-row coordinate system column if the CSV has one."""
    if raw.geometry is None:
        raise ImportRejected([Problem(raw.source, "文件没有几何（CSV需要经度、纬度列，如 lon、lat）")])
    if raw.systems is not None:
        declared_text = "逐行声明"
        geoms = np.empty(len(raw.geometry), dtype=object)
        problems = []
        for system in sorted({str(s).strip() for s in raw.systems}):
            mask = np.array([str(s).strip() == system for s in raw.systems])
            try:
                declared = crs.parse_crs_option(system or options.crs or "WGS84")
            except CRSError as exc:
                problems += [Problem(raw.source, str(exc), int(r), "coord_system") for r in raw.rows[mask]]
                continue
            geoms[mask] = crs.to_storage(raw.geometry[mask], declared)
    else:
        declared = crs.resolve(raw.crs, options.crs, raw.source)
        declared_text = str(declared)
        geoms = crs.to_storage(raw.geometry, declared)
        problems = []
    checked = geometry.check(geoms, layer.geometry, raw.rows, raw.source)
    checked.problems = problems + [p for p in checked.problems
                                   if not any(q.row == p.row for q in problems)]
    return checked.geoms, declared_text, checked


def _prepare_edges(conn: psycopg.Connection, values: dict[str, list[object]], geoms: np.ndarray,
                   keep: np.ndarray) -> None:
    """Lengths from geometry; node ids from end points when the file gives none."""
    lines = geoms[keep]
    lengths = np.zeros(len(geoms))
    lengths[keep] = np.round(topology.geodesic_lengths_m(lines), 2)
    values["length_m"] = lengths.tolist()
    if all(v is None for v in values["source"]):
        source, target, nodes = topology.build_nodes(lines)
        for name, ids in (("source", source), ("target", target)):
            column = np.zeros(len(geoms), dtype=np.int64)
            column[keep] = ids
            values[name] = column.tolist()
        if all(v is None for v in values["id"]):
            values["id"] = list(range(1, len(geoms) + 1))
        conn.execute("DELETE FROM network_edges")
        conn.execute("DELETE FROM network_nodes")
        with conn.cursor().copy("COPY network_nodes (id, geom) FROM STDIN") as copy:
            for node_id, point in enumerate(nodes, start=1):
                copy.write_row((node_id, crs.to_ewkb(point)))


def _stage(conn: psycopg.Connection, layer: Layer, values: dict[str, list[object]], attrs: list[str],
           geoms: np.ndarray | None, rows: np.ndarray, keep: np.ndarray) -> sql.Identifier:
    """Copy the good rows into a temporary table shaped like the layer; return its name."""
    stage = sql.Identifier(f"stage_{layer.name}")
    column_defs = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(_PG_TYPES[c.type]))
                   for c in layer.columns]
    geom_def = [sql.SQL("geom geometry(Geometry, 4326)")] if layer.geometry else []
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(stage))
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (_row integer, {}, attrs jsonb) ON COMMIT DROP").format(
        stage, sql.SQL(", ").join(column_defs + geom_def)))
    names = ["_row", *layer.column_names, "attrs"] + (["geom"] if layer.geometry else [])
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(stage, sql.SQL(", ").join(map(sql.Identifier, names)))
    with conn.cursor().copy(copy_sql) as copy:
        for i in np.flatnonzero(keep):
            record = [int(rows[i]), *(values[c][i] for c in layer.column_names), attrs[i]]
            if layer.geometry:
                record.append(crs.to_ewkb(geoms[i]))
            copy.write_row(record)
    conn.execute(sql.SQL("ANALYZE {}").format(stage))
    return stage


def _upsert(conn: psycopg.Connection, layer: Layer, stage: sql.Identifier, *, replace: bool, source: str) -> int:
    table = sql.Identifier(layer.name)
    columns = [*layer.stored_columns, "attrs"] + (["geom"] if layer.geometry else [])
    key = sql.SQL(", ").join(map(sql.Identifier, layer.key))
    updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                                 for c in columns if c not in layer.key)
    column_list = sql.SQL(", ").join(map(sql.Identifier, columns))
    try:
        with conn.transaction():
            if replace:
                conn.execute(sql.SQL("DELETE FROM {t} AS t WHERE NOT EXISTS "
                                     "(SELECT 1 FROM {s} AS s WHERE ({k}) = ({sk}))").format(
                    t=table, s=stage, k=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in layer.key),
                    sk=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k)) for k in layer.key)))
            cursor = conn.execute(sql.SQL(
                "INSERT INTO {t} ({cols}) SELECT {cols} FROM {s} ORDER BY _row "
                "ON CONFLICT ({k}) DO UPDATE SET {u}").format(t=table, cols=column_list, s=stage, k=key, u=updates))
            return cursor.rowcount
    except psycopg.errors.ForeignKeyViolation as exc:
        detail = exc.diag.message_detail or str(exc)
        raise ImportRejected([Problem(source, f"替换{layer.label}会删除仍被引用的要素：{detail}")]) from None
    except psycopg.errors.IntegrityError as exc:
        raise ImportRejected([Problem(source, f"数据违反约束 {exc.diag.constraint_name}：{exc.diag.message_primary}")]) from None


def _after_load(conn: psycopg.Connection, layer: Layer, stage: sql.Identifier) -> None:
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(layer.name)))  # plans fit the new size at once
    params = {"system": DEFAULT_GRID_SYSTEM}
    if layer.name == "buildings":
        conn.execute(sql.SQL(sql_file("building_grids")).format(stage=stage), params)
    if layer.name == "grids":
        conn.execute(sql_file("regrid_buildings"), params)


def _log(conn: psycopg.Connection, report: LoadReport, options: LoadOptions) -> None:
    problems = [p.as_dict() for p in report.skipped + report.accepted_problems]
    conn.execute(
        "INSERT INTO imports (layer, source, source_crs, mode, rows_read, rows_loaded, repaired, problems) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (report.layer, report.source, report.source_crs,
         "replace" if options.replace else "merge", report.rows_read, report.rows_loaded,
         len(report.repaired_rows), json.dumps(problems, ensure_ascii=False)),
    )
