"""Incident intake: validate, convert coordinates, store idempotently; the database assigns the grid."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import psycopg
from psycopg.rows import dict_row

from geo.coords import chinacoords
from geo.db import sql as sql_file
from geo.errors import Conflict, InvalidIncident, Problem
from geo.incidents import assign
from geo.incidents.privacy import public_description
from geo.progress import Progress

CHANNELS = ("12345热线", "现场", "信箱", "走访", "网络")
PERSONAL_FIELDS = ("reporter_name", "reporter_phone")
# Mainland China's extent (degrees): a point whose lat falls in the lon range and whose
# lon falls in the lat range was entered the wrong way round.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)



@dataclass(frozen=True)
class IncidentIn:
    """A citizen request as received. Coordinates in degrees, in the declared `coord_system`.

    `received_at` (受理) is set by imports of past requests; live intake leaves it to the database's clock.
    """

    channel: str
    category_code: str
    reported_at: dt.datetime
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    coord_system: str = "WGS84"
    reporter_name: str | None = None
    reporter_phone: str | None = None
    request_id: str | None = None
    attrs: dict[str, object] = field(default_factory=dict)
    received_at: dt.datetime | None = None


def location_problems(lon: float | None, lat: float | None, system: str) -> list[Problem]:
    """What is wrong with a location (missing half, out of range, swapped, unknown system)."""
    source = "坐标"
    try:
        chinacoords.normalise_system(system)
    except ValueError as exc:
        return [Problem(source, str(exc), field="coord_system")]
    if lon is None and lat is None:
        return []
    if lon is None or lat is None:
        return [Problem(source, "经度和纬度须同时提供", field="lon" if lon is None else "lat")]
    if CHINA_LON[0] <= lat <= CHINA_LON[1] and CHINA_LAT[0] <= lon <= CHINA_LAT[1]:
        return [Problem(source, f"经纬度疑似颠倒（经度{lon}，纬度{lat}）", field="lat")]
    if not (-180 <= lon <= 180):
        return [Problem(source, f"经度{lon}超出−180～180", field="lon")]
    if not (-90 <= lat <= 90):
        return [Problem(source, f"纬度{lat}超出−90～90", field="lat")]
    return []


def problems(incident: IncidentIn, categories: set[str] | None) -> list[Problem]:
    """Every reason `incident` cannot be stored (empty when it can); `categories=None` skips the category."""
    found = location_problems(incident.lon, incident.lat, incident.coord_system)
    if incident.channel not in CHANNELS:
        found.append(Problem("渠道", f"未知渠道“{incident.channel}”（可用：{'、'.join(CHANNELS)}）", field="channel"))
    if categories is not None and incident.category_code not in categories:
        found.append(_unknown_category(incident.category_code))
    if incident.reported_at.tzinfo is None:
        found.append(Problem("时间", "报告时间须带时区，如 2026-01-01T08:00:00+08:00", field="reported_at"))
    elif incident.received_at is not None:
        found += _received_problems(incident.reported_at, incident.received_at)
    return found


def _received_problems(reported: dt.datetime, received: dt.datetime) -> list[Problem]:
    """受理时间 must carry a time zone, not precede the report and not lie in the future."""
    if received.tzinfo is None:
        return [Problem("时间", "受理时间须带时区，如 2026-01-01T08:05:00+08:00", field="received_at")]
    if received < reported:
        return [Problem("时间", f"受理时间早于报告时间（{reported.isoformat()}）", field="received_at")]
    if received > dt.datetime.now(dt.UTC):
        return [Problem("时间", "受理时间晚于现在", field="received_at")]
    return []


def _unknown_category(code: str) -> Problem:
    return Problem("类别", f"职责清单中没有类别“{code}”", field="category_code")


def category_codes(conn: psycopg.Connection) -> set[str]:
    """Codes of the responsibility list's categories."""
    return {r[0] for r in conn.execute("SELECT code FROM categories")}


def _with_rows(rows: str, select: str) -> str:
    """`select` over the CTE `n` holding `rows` (incidents' columns)."""
    return f"WITH n AS (\n{rows}\n)\n{select}"


INSERT_ID = _with_rows(sql_file("incident_insert"), "SELECT id FROM n")
INSERT_CARD = _with_rows(sql_file("incident_insert"), sql_file("incident_card"))
READ_CARD = _with_rows("SELECT * FROM incidents WHERE id = %(id)s", sql_file("incident_card"))
READ_CARD_BY_REQUEST = _with_rows("SELECT * FROM incidents WHERE request_id = %(request_id)s",
                                  sql_file("incident_card").replace("SELECT n.id,", "SELECT n.content_sha256, n.id,"))


def submit(conn: psycopg.Connection, incident: IncidentIn, categories: set[str] | None = None) -> tuple[int, bool]:
    """Store `incident` (converting GCJ-02/BD-09 to WGS 84); return (id, created). The caller commits.

    With a request_id, a retry returns the first incident and stores nothing new.
    """
    found = problems(incident, categories if categories is not None else category_codes(conn))
    if found:
        raise InvalidIncident(found)
    row = conn.execute(INSERT_ID, params(incident)).fetchone()
    if row is not None:
        return row[0], True
    return conn.execute("SELECT id FROM incidents WHERE request_id = %s", (incident.request_id,)).fetchone()[0], False


def receive(conn: psycopg.Connection, incident: IncidentIn) -> tuple[dict[str, object], bool]:
    """Store `incident` and commit, in one round trip; return (its full card as `read` gives a dispatcher, created).

    The fast path of single intake: checks that need no database run first, the category is
    checked by the INSERT itself (it stores nothing for an unknown one), and the INSERT, the
    read-back of the new row with its grid and team, and the COMMIT go to the server as one
    pipeline. Only when nothing was inserted (a retried request_id, or an unknown category)
    does a second query follow. Committed before it returns: the caller may acknowledge.
    """
    found = problems(incident, None)
    if found:
        if incident.category_code not in category_codes(conn):
            found.append(_unknown_category(incident.category_code))
        raise InvalidIncident(found)
    with conn.pipeline():
        cur = conn.cursor(row_factory=dict_row).execute(INSERT_CARD, params(incident))
        conn.commit()
    row = cur.fetchone()
    if row is not None:
        return row, True
    if incident.request_id is not None:
        existing = conn.cursor(row_factory=dict_row).execute(
            READ_CARD_BY_REQUEST, {"request_id": incident.request_id}).fetchone()
        conn.rollback()  # a read only; ends the transaction the query opened
        if existing is not None:
            if existing.pop("content_sha256") not in (None, content_digest(incident)):
                raise Conflict(f"请求号“{incident.request_id}”已用于另一条内容不同的事件（编号{existing['id']}）："
                               "重试须原样重发，新事件须用新的请求号")
            return existing, False
    raise InvalidIncident([_unknown_category(incident.category_code)])


def content_digest(incident: IncidentIn) -> str:
    """SHA-256 of what the client sent (not the request_id, nor when we received it): a retry has the same."""
    fields = {k: v for k, v in vars(incident).items() if k not in ("request_id", "received_at")}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def params(incident: IncidentIn) -> dict[str, object]:
    """Query parameters of incident_insert.sql, coordinates converted to WGS 84 (degrees)."""
    lon, lat = incident.lon, incident.lat
    system = chinacoords.normalise_system(incident.coord_system)
    if lon is not None and lat is not None:
        lon, lat = chinacoords.to_wgs84(lon, lat, system)
    return {"request_id": incident.request_id, "channel": incident.channel,
            "category_code": incident.category_code, "description": incident.description,
            "reporter_name": incident.reporter_name, "reporter_phone": incident.reporter_phone,
            "reported_at": incident.reported_at, "received_at": incident.received_at, "coord_system": system,
            "attrs": json.dumps(incident.attrs, ensure_ascii=False), "lon": lon, "lat": lat,
            "content_sha256": content_digest(incident)}


def read(conn: psycopg.Connection, incident_id: int, *, personal: bool) -> dict[str, object] | None:
    """One incident with its grid, team and department; reporter fields only when `personal`."""
    row = conn.cursor(row_factory=dict_row).execute(READ_CARD, {"id": incident_id}).fetchone()
    if row is not None and not personal:
        row["description"] = public_description(str(row["description"] or ""), row["reporter_name"],
                                                row["reporter_phone"])
        for name in PERSONAL_FIELDS:
            row.pop(name)
    return row


def reassign(conn: psycopg.Connection, *, progress: Progress | None = None) -> dict[str, int]:
    """Assign every located incident again, in bulk and in one transaction; counts by method.

    Uses geo.incidents.assign, which follows the database trigger's rule exactly; manual placements stay.
    """
    step = progress or (lambda *_: None)
    index = assign.load(conn)
    step("网格", 1, 3)
    rows = conn.execute("SELECT id, ST_X(geom), ST_Y(geom) FROM incidents "
                        "WHERE geom IS NOT NULL AND assign_method <> 'manual' ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    result = assign.assign(index, np.array([r[1] for r in rows], dtype=float),
                           np.array([r[2] for r in rows], dtype=float))
    step("分派", 2, 3)
    with conn.transaction():
        conn.execute("DROP TABLE IF EXISTS reassigned")
        conn.execute("CREATE TEMP TABLE reassigned (id bigint, grid_id bigint, method text, distance_m float8) "
                     "ON COMMIT DROP")
        with conn.cursor().copy("COPY reassigned (id, grid_id, method, distance_m) FROM STDIN") as copy:
            for k, incident_id in enumerate(ids):
                grid = int(result.grid_id[k])
                distance = float(result.distance_m[k])
                copy.write_row((incident_id, grid if grid >= 0 else None, str(result.method[k]),
                                distance if np.isfinite(distance) else None))
        conn.execute(sql_file("reassign_incidents"))
    step("写入", 3, 3)
    return dict(conn.execute("SELECT assign_method, count(*) FROM incidents GROUP BY 1 ORDER BY 1").fetchall())
