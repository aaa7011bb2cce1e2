"""Parse attribute columns of an input into typed values, naming row and field on error."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import numpy as np
import pandas as pd

from geo.errors import Problem
from geo.layers.schema import Column, Layer

_LIST_SEPARATORS = re.compile(r"[,，、;；|]")
_TRUE = {"true", "t", "1", "yes", "y", "是", "√"}
_FALSE = {"false", "f", "0", "no", "n", "否", ""}


def parse(layer: Layer, frame: pd.DataFrame, rows: np.ndarray, source: str,
          problems: list[Problem]) -> tuple[dict[str, list[object]], list[str]]:
    """Typed values per column of `layer`, plus each row's extra columns as JSON text.

    Missing required columns are reported once for the file; bad values once per cell.
    """
    lowered = {str(c).lower(): c for c in frame.columns}
    values: dict[str, list[object]] = {}
    for column in layer.columns:
        found = lowered.get(column.name.lower())
        if found is None:
            if column.required:
                problems.append(Problem(source, f"缺少必需字段“{column.name}”（{column.label}）", None, column.name))
            values[column.name] = [None] * len(frame)
            continue
        cells = frame[found].to_numpy(dtype=object)
        values[column.name] = [
            _cell(column, cell, source, int(row), problems) for cell, row in zip(cells, rows, strict=True)
        ]
    known = {c.name.lower() for c in layer.columns}
    extra = [c for c in frame.columns if str(c).lower() not in known]
    attrs = [json.dumps({str(c): _jsonable(frame[c].iloc[i]) for c in extra}, ensure_ascii=False)
             for i in range(len(frame))]
    return values, attrs


def _cell(column: Column, cell: object, source: str, row: int, problems: list[Problem]) -> object:
    blank = cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""
    if blank:
        if column.required:
            problems.append(Problem(source, f"必需字段“{column.name}”为空", row, column.name))
        return None
    try:
        value = _convert(column, cell)
    except ValueError as exc:
        problems.append(Problem(source, f"{column.label or column.name}的值“{cell}”无效：{exc}", row, column.name))
        return None
    bad = [v for v in (value if isinstance(value, list) else [value]) if column.choices and v not in column.choices]
    if bad:
        problems.append(Problem(source, f"取值“{'、'.join(map(str, bad))}”不在允许范围内（{'、'.join(column.choices)}）",
                                row, column.name))
        return None
    return value


def _convert(column: Column, cell: object) -> object:
    text = str(cell).strip()
    match column.type:
        case "text":
            return text
        case "int":
            number = float(text)
            if not number.is_integer():
                raise ValueError("应为整数")
            return int(number)
        case "float":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError("应为有限数值")
            return number
        case "bool":
            if isinstance(cell, (bool, np.bool_)):
                return bool(cell)
            lowered = text.lower()
            if lowered in _TRUE or lowered in _FALSE:
                return lowered in _TRUE
            raise ValueError("应为是/否")
        case "time":
            return dt.time.fromisoformat(text)
        case "text[]":
            return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
        case "timestamptz":
            stamp = dt.datetime.fromisoformat(text)
            if stamp.tzinfo is None:
                raise ValueError("时间须带时区，如 2026-01-01T08:00:00+08:00")
            return stamp
    raise ValueError(f"未知列类型 {column.type}")


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return str(value)
