"""Results on the command line: an aligned table for people, CSV or JSON for Excel and scripts."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO

FORMATS = ("table", "csv", "json")

Columns = Sequence[tuple[str, str]]  # (key in the row, heading shown)


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return str(value)


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def emit(rows: Sequence[dict], columns: Columns, fmt: str, *, top: int | None = None, hint: str = "",
         out: TextIO | None = None) -> None:
    """Print `rows` as a table (the first `top` rows, saying how many were left out), CSV or JSON (all rows)."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump([{k: _plain(r.get(k)) for k, _ in columns} for r in rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([k for k, _ in columns])
        writer.writerows([[_plain(r.get(k)) for k, _ in columns] for r in rows])
        return
    shown = list(rows if top is None or top <= 0 else rows[:top])
    table = [[heading for _, heading in columns]] + [[_cell(r.get(k)) for k, _ in columns] for r in shown]
    widths = [max(_width(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        out.write("  ".join(text + " " * (w - _width(text)) for text, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")
    left_out = len(rows) - len(shown)
    if left_out:
        out.write(f"……另有{left_out:,}行未显示（共{len(rows):,}行）{hint}\n")
