"""Import a hotline (12345) CSV export of incidents: row-level errors, all or nothing or good rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import psycopg
import shapely

from geo.errors import ImportRejected, Problem
from geo.incidents import intake as incidents
from geo.layers import _readers as readers
from geo.progress import Progress

REQUIRED = ("channel", "category_code", "reported_at")
KNOWN = (*REQUIRED, "request_id", "description", "reporter_name", "reporter_phone", "received_at")


# Rows checked between two progress reports.
PROGRESS_ROWS = 1000

@dataclass
class IncidentImport:
    """What an import stored: rows read, new incidents, retries of stored ones, rows skipped."""

    rows_read: int
    stored: int
    already_present: int
    skipped: list[Problem] = field(default_factory=list)
    assignment: dict[str, int] = field(default_factory=dict)


def import_csv(conn: psycopg.Connection, source: Path | BinaryIO, *, name: str | None = None,
               good_rows_only: bool = False, progress: Progress | None = None) -> IncidentImport:
    """Validate every row, then store all rows (or, when asked, the good ones) in one transaction.

    Points outside every grid are not errors: they are stored 'out_of_area' for a dispatcher.
    """
    raw = readers.read_csv(source, name)
    missing = [c for c in REQUIRED if c not in raw.frame.columns]
    if missing or raw.geometry is None:
        needed = [*missing, *(["lon", "lat"] if raw.geometry is None else [])]
        raise ImportRejected([Problem(raw.source, f"缺少必需字段：{'、'.join(needed)}")])
    problems = list(raw.problems)
    bad = {p.row for p in problems}
    categories = incidents.category_codes(conn)
    good: list[incidents.IncidentIn] = []
    for i, row in enumerate(raw.rows):
        if int(row) in bad:
            continue
        incident, found = _incident(raw, i, categories)
        problems += found
        if found:
            bad.add(int(row))
        else:
            good.append(incident)
        if progress and (i + 1) % PROGRESS_ROWS == 0:
            progress("检查", i + 1, len(raw.rows))
    if problems and not good_rows_only:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row or 0, p.field or "")))
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(incidents.INSERT_ID, [incidents.params(i) for i in good], returning=True)
        ids = _returned_ids(cur)
        methods = Counter(r[0] for r in conn.execute(
            "SELECT assign_method FROM incidents WHERE id = ANY(%s)", (ids,)))
    return IncidentImport(len(raw.rows), len(ids), len(good) - len(ids),
                          sorted(problems, key=lambda p: p.row or 0), dict(methods))


def _returned_ids(cur: psycopg.Cursor) -> list[int]:
    ids = []
    while True:
        ids += [r[0] for r in cur.fetchall()]
        if not cur.nextset():
            return ids


def _incident(raw: readers.RawTable, i: int, categories: set[str]) -> tuple[incidents.IncidentIn, list[Problem]]:
    record = {c: raw.frame[c].iloc[i] for c in raw.frame.columns}
    row = int(raw.rows[i])
    found: list[Problem] = []
    reported = _time(raw.source, row, record, "reported_at", found)
    received = _time(raw.source, row, record, "received_at", found) if str(record.get("received_at", "")).strip() \
        else None
    point = raw.geometry[i]
    lon, lat = (None, None) if point is None or shapely.is_empty(point) else (point.x, point.y)
    declared = str(raw.systems[i]).strip() if raw.systems is not None else ""
    system = declared or "WGS84"
    incident = incidents.IncidentIn(
        channel=str(record["channel"]).strip(), category_code=str(record["category_code"]).strip(),
        reported_at=reported or dt.datetime.now(dt.UTC), description=str(record.get("description", "")),
        lon=lon, lat=lat, coord_system=system,
        reporter_name=record.get("reporter_name") or None, reporter_phone=record.get("reporter_phone") or None,
        request_id=record.get("request_id") or None, received_at=received if reported else None,
        attrs={k: v for k, v in record.items() if k not in KNOWN and v != ""})
    found += [Problem(raw.source, p.reason, row, p.field) for p in incidents.problems(incident, categories)]
    return incident, found


def _time(source: str, row: int, record: dict[str, object], name: str, found: list[Problem]) -> dt.datetime | None:
    """The ISO 8601 time in column `name`, or None with a Problem naming the row and field."""
    try:
        return dt.datetime.fromisoformat(str(record[name]).strip())
    except ValueError:
        found.append(Problem(source, f"无法解析的时间“{record[name]}”", row, name))
        return None
