"""Administrative and grid codes: GB/T 2260-based 6/9/12/15-digit scheme."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Digits per level: county (GB/T 2260), street (+3), community (+3), grid serial (+3).
CODE_LENGTHS: dict[str, int] = {"district": 6, "street": 9, "community": 12, "grid": 15}
PARENT_LEVEL: dict[str, str] = {"street": "district", "community": "street", "grid": "community"}
MAX_GRID_SERIAL = 999


def code_problem(level: str, code: object, parent_code: object | None = None) -> str | None:
    """Say what is wrong with an administrative or grid code, or None if it is well-formed.

    `level` is one of CODE_LENGTHS; `parent_code` (when the level has a parent) must be the
    code's prefix. Grid serials run from 001 to 999.
    """
    length = CODE_LENGTHS[level]
    text = "" if code is None else str(code)
    if not re.fullmatch(rf"\d{{{length}}}", text):
        return f"编码应为{length}位数字，实际为“{text}”"
    if level in PARENT_LEVEL and parent_code is not None:
        parent_text = str(parent_code)
        if not text.startswith(parent_text) or len(parent_text) != CODE_LENGTHS[PARENT_LEVEL[level]]:
            return f"编码“{text}”与上级编码“{parent_text}”不一致"
    if level == "grid" and int(text[-3:]) == 0:
        return f"网格序号不能为000（编码“{text}”）"
    return None


def reading_order(xs: Sequence[float], ys: Sequence[float], *, row_tolerance_m: float) -> np.ndarray:
    """Rank points north→south by rows, then west→east within a row; return 0-based ranks.

    `xs`, `ys` are projected coordinates in metres (y grows northwards). Points whose y
    differs by at most `row_tolerance_m` from the first point of a row share that row.
    """
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    by_north = np.argsort(-y, kind="stable")
    row = np.empty(len(y), dtype=int)
    current, row_top = -1, np.inf
    for i in by_north:
        if row_top - y[i] > row_tolerance_m or current < 0:
            current, row_top = current + 1, y[i]
        row[i] = current
    order = np.lexsort((x, row))
    ranks = np.empty(len(x), dtype=int)
    ranks[order] = np.arange(len(x))
    return ranks


def grid_codes(community_code: str, xs: Sequence[float], ys: Sequence[float], *,
               row_tolerance_m: float) -> list[str]:
    """Number a community's grids 001, 002, … west→east, north→south (Beijing scheme).

    `xs`, `ys` are the grids' representative points in a projected CRS, metres.
    """
    if len(xs) > MAX_GRID_SERIAL:
        raise ValueError(f"社区{community_code}的网格超过{MAX_GRID_SERIAL}个，无法编码")
    ranks = reading_order(xs, ys, row_tolerance_m=row_tolerance_m)
    return [f"{community_code}{rank + 1:03d}" for rank in ranks]
