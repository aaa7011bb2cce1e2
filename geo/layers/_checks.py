"""Checks run in PostGIS on staged features before they are kept: nesting, overlaps, area."""

from __future__ import annotations

import psycopg
from psycopg import sql

from geo.db import sql as sql_file
from geo.errors import Problem
from geo.layers.schema import DEFAULT_GRID_SYSTEM, Layer

# Slivers smaller than this (square metres) come from coordinate rounding, not from data.
NESTING_TOLERANCE_M2 = 1.0
OVERLAP_TOLERANCE_M2 = 1.0
# An edge's end may sit this far (metres) from its node before the pair is suspect.
EDGE_NODE_TOLERANCE_M = 1.0
_OVERLAP_CHECKED = {"districts", "streets", "communities", "grids"}
_AREA_EXEMPT = {"districts", "categories"}


def spatial_problems(conn: psycopg.Connection, layer: Layer, stage: sql.Identifier, source: str, *,
                     replace: bool) -> list[Problem]:
    """Everything wrong with the staged rows of `layer` in relation to the stored layers."""
    problems: list[Problem] = []
    if layer.parent:
        problems += _parent_problems(conn, layer, stage, source)
    if layer.name in _OVERLAP_CHECKED:
        problems += _overlaps(conn, layer, stage, source, replace)
    if layer.geometry and layer.name not in _AREA_EXEMPT:
        problems += _out_of_area(conn, stage, source)
    if layer.name == "buildings":
        problems += _building_grids(conn, stage, source)
    if layer.name == "network_edges":
        problems += _edge_nodes(conn, stage, source)
    return sorted(problems, key=lambda p: (p.row or 0, p.reason))


def _query(conn: psycopg.Connection, name: str, params: dict[str, object], **parts: sql.Composable) -> list[tuple]:
    return conn.execute(sql.SQL(sql_file(name)).format(**parts), params).fetchall()


def _parent_problems(conn: psycopg.Connection, layer: Layer, stage: sql.Identifier, source: str) -> list[Problem]:
    column, parent = layer.parent
    parts = {"stage": stage, "parent": sql.Identifier(parent), "parent_column": sql.Identifier(column)}
    missing = _query(conn, "missing_parent", {}, **parts)
    problems = [Problem(source, f"上级编码“{code}”不存在", row, column) for row, code in missing]
    outside = _query(conn, "outside_parent", {"tolerance_m2": NESTING_TOLERANCE_M2}, **parts)
    problems += [Problem(source, f"{layer.label}“{code}”有{area:.1f}平方米超出上级“{parent_code}”的范围",
                         row, "geometry") for row, code, parent_code, area in outside]
    return problems


def _overlaps(conn: psycopg.Connection, layer: Layer, stage: sql.Identifier, source: str,
              replace: bool) -> list[Problem]:
    group = sql.Identifier("system") if layer.name == "grids" else sql.SQL("TRUE")
    rows = _query(conn, "overlaps", {"tolerance_m2": OVERLAP_TOLERANCE_M2, "replace": replace},
                  stage=stage, table=sql.Identifier(layer.name), group=group)
    return [Problem(source, f"{layer.label}“{code}”与“{other}”重叠{area:.1f}平方米", row, "geometry")
            for row, code, other, area in rows]


def _out_of_area(conn: psycopg.Connection, stage: sql.Identifier, source: str) -> list[Problem]:
    rows = _query(conn, "out_of_area", {}, stage=stage)
    return [Problem(source, "经纬度疑似颠倒，交换后位于辖区内" if flipped else "位置不在任何区县辖区内", row, "geometry")
            for row, flipped in rows]


def _building_grids(conn: psycopg.Connection, stage: sql.Identifier, source: str) -> list[Problem]:
    rows = _query(conn, "building_grid_problems", {"system": DEFAULT_GRID_SYSTEM}, stage=stage)
    return [Problem(source, f"网格“{code}”不存在" if not exists else f"楼栋不在所属网格“{code}”内",
                    row, "grid_code") for row, code, exists in rows]


def _edge_nodes(conn: psycopg.Connection, stage: sql.Identifier, source: str) -> list[Problem]:
    rows = _query(conn, "edge_node_problems", {"tolerance_m": EDGE_NODE_TOLERANCE_M}, stage=stage)
    problems = []
    for row, src, dst, src_missing, dst_missing in rows:
        if src_missing or dst_missing:
            reason = f"节点{src if src_missing else dst}不存在"
        else:
            reason = f"路段端点与节点{src}/{dst}的位置相差超过{EDGE_NODE_TOLERANCE_M:g}米"
        problems.append(Problem(source, reason, row, "source"))
    return problems
