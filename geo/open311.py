"""Open311 GeoReport v2 over the incident pipeline: services, intake, public reads.

Categories of the responsibility list are the services; incidents are the service
requests. Everything here is plain data in, plain data out (JSON-ready dicts and lists);
the HTTP layer only passes arguments and turns `Open311Error` into the spec's error list
`[{"code": 400, "description": "…"}]`.

Public by design: intake needs no key (channel 网络) and reads never show the reporter.
The reporter's name and phone are stored for dispatchers (geo.incidents) but are never
selected by the Open311 queries; descriptions are returned with the reporter's own name
and phone, and anything that looks like a phone number, e-mail or ID-card number, masked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import urllib.parse
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from geo import incidents
from geo.db import sql as sql_file
from geo.errors import InvalidIncident, WanggeError
from geo.privacy import mask_contacts

CHANNEL = "网络"
COORD_SYSTEM = "WGS84"  # GeoReport v2: lat/long are WGS 84 degrees
MAX_RESULTS = 1000  # the spec's recommended cap on GET requests
WINDOW = dt.timedelta(days=90)  # the spec's default range, and the widest allowed
MAX_DESCRIPTION = 4000  # the spec's limit on a request's description
MAX_KEY = 128  # idempotency keys
MAX_NAME = 50
MAX_PHONE = 40
MAX_BODY = 64 * 1024
MAX_IDS = 1000
# Client idempotency keys live in their own namespace of incidents.request_id, so a
# public client can never hit (or learn about) a hotline or dispatcher request id.
REQUEST_ID_PREFIX = "open311:"
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))  # China has no daylight saving time
CLOSED_STATUS = "办结"
STATUS_NOTES = {
    "受理": "已受理，等待办理",
    "办理": "办理中",
    "反馈": "已反馈办理结果，等待办结",
    "办结": "已办结",
    "退回": "已退回，等待重新受理",
}
# "+08:00" in an unencoded query string arrives as " 08:00".
_SPACED_OFFSET = re.compile(r"(\d{4}-?\d{2}-?\d{2}T[\d:.,]+) (\d{2}(?::?\d{2})?)")


@dataclass
class Open311Error(WanggeError):
    """A request refused in the spec's terms: one HTTP status, one or more descriptions."""

    status: int
    descriptions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(self.descriptions)

    def body(self) -> list[dict[str, object]]:
        """The spec's error list: one {code, description} per problem."""
        return [{"code": self.status, "description": d} for d in self.descriptions]


def _bad(*descriptions: str) -> Open311Error:
    return Open311Error(400, list(descriptions))


# ---------------------------------------------------------------- services


def services(conn: psycopg.Connection) -> list[dict[str, object]]:
    """GET services: every category of the responsibility list."""
    return [_service(row) for row in _categories(conn, None)]


def service_definition(conn: psycopg.Connection, service_code: str) -> dict[str, object]:
    """GET service definition: no extra attributes (metadata is false for every service)."""
    if not _categories(conn, service_code):
        raise Open311Error(404, [f"service_code：没有编码为“{service_code}”的服务（事项类别）"])
    return {"service_code": service_code, "attributes": []}


def _categories(conn: psycopg.Connection, code: str | None) -> list[dict[str, object]]:
    return conn.cursor(row_factory=dict_row).execute(sql_file("open311_services"), {"code": code}).fetchall()


def _service(row: dict[str, object]) -> dict[str, object]:
    return {
        "service_code": row["code"],
        "service_name": row["name"],
        "description": f"责任部门：{row['department']}；办理类型：{row['handling_type']}；"
                       f"办理时限：{time_limit(row['time_limit_hours'])}",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(_keywords(row)),
        "group": row["department"],
    }


def _keywords(row: dict[str, object]) -> list[str]:
    words = [row["name"], row["handling_type"]]
    extra = (row.get("attrs") or {}).get("keywords")
    if isinstance(extra, str):
        extra = re.split(r"[,，、;；]", extra)
    if isinstance(extra, list):
        words += [str(w).strip() for w in extra if str(w).strip()]
    return list(dict.fromkeys(words))


def time_limit(hours: int | None) -> str:
    """A time limit in Chinese: 2小时, 72小时（3天）."""
    if hours is None:
        return "未定"
    if hours >= 24 and hours % 24 == 0:
        return f"{hours}小时（{hours // 24}天）"
    return f"{hours}小时"


# ---------------------------------------------------------------- POST requests


def decode_body(content_type: str, body: bytes) -> dict[str, object]:
    """The fields of a POST body: form-encoded (the spec's) or a JSON object (UTF-8 both)."""
    if len(body) > MAX_BODY:
        raise Open311Error(413, [f"请求体超过{MAX_BODY // 1024} KB"])
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("请求体须为UTF-8编码") from None
    if media in ("application/x-www-form-urlencoded", ""):
        fields: dict[str, object] = {}
        for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            fields.setdefault(name, value)  # the first of repeated fields counts
        return fields
    if media == "application/json" or media.endswith("+json"):
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise _bad(f"JSON无法解析（第{exc.lineno}行第{exc.colno}列）") from None
        if not isinstance(data, dict):
            raise _bad("JSON请求体须为对象，如 {\"service_code\": \"CAT01\", \"lat\": 36.18, \"long\": 113.11}")
        return data
    raise Open311Error(415, [f"不支持的Content-Type“{media}”：请用application/x-www-form-urlencoded或application/json"])


@dataclass(frozen=True)
class Submission:
    """A POST service request, checked: what geo.incidents.submit needs, and nothing personal kept beyond it."""

    incident: incidents.IncidentIn
    idempotency_key: str | None


def parse_submission(fields: dict[str, object], idempotency_key: str | None, now: dt.datetime) -> Submission:
    """Check the POST fields; every problem is named by its Open311 argument (400)."""
    found: list[str] = []
    code = _text(fields.get("service_code"))
    if not code:
        found.append("service_code：缺少服务编码（事项类别），可用编码见 services.json")
    unreadable = len(found)
    lat, lon = _number(fields, "lat", found), _number(fields, "long", found)
    if len(found) > unreadable:  # not numbers: already named
        lat = lon = None
    elif lat is None and lon is None:
        hint = "（经度的参数名应为long）" if any(k in fields for k in ("lon", "lng", "longitude")) else ""
        found.append("lat、long：缺少经纬度（WGS84）；本服务需要坐标才能分派网格，"
                     f"不能只凭address_string或address_id受理{hint}")
    elif lat is None or lon is None:
        found.append(f"{'lat' if lat is None else 'long'}：经纬度须同时提供")
    else:
        found += _location_problems(lon, lat)
    description = _text(fields.get("description")) or ""
    if len(description) > MAX_DESCRIPTION:
        found.append(f"description：描述不能超过{MAX_DESCRIPTION}字（现有{len(description)}字）")
    first, last = _text(fields.get("first_name")), _text(fields.get("last_name"))
    phone = _text(fields.get("phone"))
    if len(first or "") + len(last or "") > MAX_NAME:
        found.append(f"first_name、last_name：姓名不能超过{MAX_NAME}字")
    if phone and len(phone) > MAX_PHONE:
        found.append(f"phone：电话不能超过{MAX_PHONE}个字符")
    media_url = _text(fields.get("media_url"))
    if media_url and not re.fullmatch(r"https?://\S{1,2000}", media_url):
        found.append("media_url：须为http或https网址")
    key = _idempotency_key(idempotency_key, _text(fields.get("request_id")), found)
    if found:
        raise _bad(*found)
    attrs: dict[str, object] = {"open311": {k: v for k, v in (("address_string", _text(fields.get("address_string"))),
                                                                 ("media_url", media_url)) if v}}
    incident = incidents.IncidentIn(
        channel=CHANNEL, category_code=code, reported_at=now, description=description, lon=lon, lat=lat,
        coord_system=COORD_SYSTEM, reporter_name=_full_name(first, last), reporter_phone=phone,
        request_id=REQUEST_ID_PREFIX + key if key else None, attrs=attrs)
    return Submission(incident, key)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _number(fields: dict[str, object], name: str, found: list[str]) -> float | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        found.append(f"{name}：须为十进制度数，收到“{value}”")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        found.append(f"{name}：须为十进制度数，收到“{value}”")
        return None
    if not math.isfinite(number):
        found.append(f"{name}：须为有限的数值，收到“{value}”")
        return None
    return number


def _location_problems(lon: float, lat: float) -> list[str]:
    """Swapped or out-of-range coordinates, named by the spec's argument names."""
    (lon_min, lon_max), (lat_min, lat_max) = incidents.CHINA_LON, incidents.CHINA_LAT
    if lon_min <= lat <= lon_max and lat_min <= lon <= lat_max:
        return [f"lat、long：经纬度疑似颠倒（lat={lat} 像经度，long={lon} 像纬度），请交换lat与long"]
    names = {"lat": "lat", "lon": "long"}
    return [f"{names.get(p.field or '', p.field)}：{p.reason}"
            for p in incidents.location_problems(lon, lat, COORD_SYSTEM)]


def _idempotency_key(header: str | None, field_value: str | None, found: list[str]) -> str | None:
    header = header.strip() if header else None
    if header and field_value and header != field_value:
        found.append("Idempotency-Key、request_id：请求头与字段不一致，只需提供其一")
        return None
    key = header or field_value
    if key and (len(key) > MAX_KEY or not key.isprintable()):
        found.append(f"Idempotency-Key：须为不超过{MAX_KEY}个可见字符")
        return None
    return key


def _full_name(first: str | None, last: str | None) -> str | None:
    """Family name first, without a space, for Chinese names; "first last" otherwise."""
    if not first and not last:
        return None
    if all(_is_cjk(part) for part in (first, last) if part):
        return f"{last or ''}{first or ''}"
    return " ".join(part for part in (first, last) if part)


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" or ch in "·•" for ch in text)


def submit(conn: psycopg.Connection, submission: Submission) -> tuple[list[dict[str, object]], bool]:
    """Store the request (idempotent by key); return the spec's response and whether it is new.

    404 for an unknown service; 409 when the key was already used for a different request.
    The caller commits.
    """
    codes = incidents.category_codes(conn)
    incident = submission.incident
    if incident.category_code not in codes:
        raise Open311Error(404, [f"service_code：没有编码为“{incident.category_code}”的服务（事项类别）"])
    try:
        incident_id, created = incidents.submit(conn, incident, codes)
    except InvalidIncident as exc:  # checked above; kept as a safety net
        raise _bad(*(f"{p.field or p.source}：{p.reason}" for p in exc.problems)) from None
    stored = incidents.read(conn, incident_id, dispatcher=True) or {}  # compared, never returned whole
    if not created and not _same_request(stored, incident):
        raise Open311Error(409, [f"Idempotency-Key：“{submission.idempotency_key}”已用于另一条内容不同的请求；"
                                 "新请求请换一个键"])
    return [{"service_request_id": str(incident_id), "service_notice": _intake_notice(stored),
             "account_id": None}], created


def _same_request(stored: dict[str, object], incident: incidents.IncidentIn) -> bool:
    def close(a: object, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(float(a) - b) < 1e-9)

    return (stored.get("category_code") == incident.category_code
            and (stored.get("description") or "") == incident.description
            and close(stored.get("lon"), incident.lon) and close(stored.get("lat"), incident.lat))


def _intake_notice(row: dict[str, object]) -> str:
    parts = [f"已受理。由{row.get('department')}按{row.get('handling_type')}办理"]
    deadline = row.get("deadline")
    if isinstance(deadline, dt.datetime):
        parts[0] += f"，应于{deadline.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}前办结"
    if row.get("grid_code"):
        parts.append(f"已分派至{row.get('street_name')}{row.get('community_name')}{row.get('grid_name')}")
    else:
        parts.append("位置不在网格范围内，将由调度员人工分派")
    return "。".join(parts) + "。"


# ---------------------------------------------------------------- GET requests


@dataclass(frozen=True)
class RequestQuery:
    """Filters of GET requests; ids override every other filter (as the spec says)."""

    ids: list[int] | None = None
    codes: list[str] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    closed: bool | None = None
    limit: int = MAX_RESULTS

    def params(self) -> dict[str, object]:
        """Parameters of open311_requests.sql."""
        return {"ids": self.ids, "codes": self.codes, "start": self.start, "end": self.end,
                "closed": self.closed, "limit": self.limit}


def parse_query(
    conn: psycopg.Connection,
    *,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    now: dt.datetime,
) -> RequestQuery:
    """The spec's GET requests arguments, checked (400 naming the argument).

    Without service_request_id: requested_datetime within [start_date, end_date], by
    default the last 90 days; given one end, the window is 90 days from it; at most 90 days.
    """
    ids = _split(service_request_id)
    if ids:
        if not all(re.fullmatch(r"\d{1,18}", i) for i in ids):
            raise _bad("service_request_id：须为以逗号分隔的编号，如 123,456")
        if len(ids) > MAX_IDS:
            raise _bad(f"service_request_id：一次最多{MAX_IDS}个编号")
        return RequestQuery(ids=[int(i) for i in ids])
    found: list[str] = []
    codes = _split(service_code) or None
    if codes:
        known = incidents.category_codes(conn)
        unknown = [c for c in codes if c not in known]
        if unknown:
            found.append(f"service_code：没有编码为“{'、'.join(unknown)}”的服务（事项类别）")
    closed = None
    statuses = {s.lower() for s in _split(status)}
    if statuses - {"open", "closed"}:
        found.append(f"status：只能是open或closed（可用逗号同时给出），收到“{status}”")
    elif len(statuses) == 1:
        closed = statuses == {"closed"}
    start = _datetime(start_date, "start_date", found)
    end = _datetime(end_date, "end_date", found)
    if found:
        raise _bad(*found)
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise _bad("start_date、end_date：end_date早于start_date")
    if end - start > WINDOW:
        raise _bad(f"start_date、end_date：时间范围不能超过{WINDOW.days}天")
    return RequestQuery(codes=codes, start=start, end=end, closed=closed)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_datetime(value: str) -> dt.datetime:
    """An ISO 8601 date-time with its time zone (Z or ±HH:MM); ValueError otherwise."""
    text = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("须带时区")
    return parsed


def _datetime(value: str | None, name: str, found: list[str]) -> dt.datetime | None:
    if value is None or not value.strip():
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        found.append(f"{name}：须为带时区的ISO 8601时间，如 2026-05-01T00:00:00+08:00 或 2026-04-30T16:00:00Z，"
                     f"收到“{value}”")
        return None


def requests(conn: psycopg.Connection, query: RequestQuery) -> list[dict[str, object]]:
    """GET requests: at most `query.limit` service requests, newest first."""
    rows = conn.cursor(row_factory=dict_row).execute(sql_file("open311_requests"), query.params()).fetchall()
    return [_service_request(row) for row in rows]


def request(conn: psycopg.Connection, service_request_id: str) -> list[dict[str, object]]:
    """GET request: a one-element list; 404 when there is no such request."""
    found = []
    if re.fullmatch(r"\d{1,18}", service_request_id.strip()):
        found = requests(conn, RequestQuery(ids=[int(service_request_id)], limit=1))
    if not found:
        raise Open311Error(404, [f"service_request_id：没有编号为“{service_request_id}”的请求"])
    return found


def _service_request(row: dict[str, object]) -> dict[str, object]:
    located = row["lat"] is not None
    address = " ".join(str(row[k]) for k in ("street_name", "community_name", "grid_name") if row[k]) or None
    notice = (f"{row['handling_type']}，办理时限{time_limit(row['time_limit_hours'])}"
              if row["handling_type"] else None)
    return {
        "service_request_id": str(row["id"]),
        "status": "closed" if row["status"] == CLOSED_STATUS else "open",
        "status_notes": STATUS_NOTES.get(str(row["status"]), str(row["status"])),
        "service_name": row["category_name"],
        "service_code": row["category_code"],
        "description": mask_contacts(str(row["description"] or "")),
        "agency_responsible": row["department"],
        "service_notice": notice,
        "requested_datetime": _iso(row["reported_at"]),
        "updated_datetime": _iso(row["updated_at"]),
        "expected_datetime": _iso(row["deadline"]),
        "address": address,
        "address_id": row["grid_code"],
        "zipcode": None,
        "lat": float(row["lat"]) if located else None,
        "long": float(row["lon"]) if located else None,
        "media_url": row["media_url"],
    }


def _iso(value: object) -> str | None:
    if not isinstance(value, dt.datetime):
        return None
    return value.astimezone(CHINA_TZ).isoformat(timespec="seconds")
