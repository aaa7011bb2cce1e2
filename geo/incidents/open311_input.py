"""Open311 GeoReport v2 input: decode and check submissions and list queries, in the spec's error terms."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass, field

import psycopg

from geo import clock
from geo.errors import WanggeError
from geo.incidents import intake as incidents

CHANNEL = "网络"
COORD_SYSTEM = "WGS84"  # GeoReport v2: lat/long are WGS 84 degrees
MAX_RESULTS = 1000  # the spec's recommended cap on GET requests
WINDOW = dt.timedelta(days=90)  # the spec's default range, and the widest allowed
MAX_DESCRIPTION = 4000  # the spec's limit on a request's description
MAX_KEY = 128  # idempotency keys
MAX_NAME = 50
MAX_PHONE = 40
MAX_IDS = 1000
# Client idempotency keys live in their own namespace of incidents.request_id, so a
# public client can never hit (or learn about) a hotline or dispatcher request id.
REQUEST_ID_PREFIX = "open311:"
# Keys the server makes for submissions without one (never reused by a client).
SERVER_ID_PREFIX = "open311-server:"
# "+08:00" in an unencoded query string arrives as " 08:00".
_SPACED_OFFSET = re.compile(r"(\d{4}-?\d{2}-?\d{2}T[\d:.,]+) (\d{2}(?::?\d{2})?)")

@dataclass
class Open311Error(WanggeError):
    """A request refused in the spec's terms: what kind of refusal, and one or more descriptions.

    `kind`: "invalid" (a missing or bad argument), "not_found" (no such service or request)
    or "conflict" (an idempotency key reused for other content); the interface gives each
    its status.
    """

    kind: str
    descriptions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(self.descriptions)


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error("invalid", list(descriptions))


def not_found(*descriptions: str) -> Open311Error:
    return Open311Error("not_found", list(descriptions))


def conflict(*descriptions: str) -> Open311Error:
    return Open311Error("conflict", list(descriptions))


@dataclass(frozen=True)
class Submission:
    """A POST service request, checked: what geo.incidents.intake.submit needs, and nothing personal kept beyond it."""

    incident: incidents.IncidentIn
    idempotency_key: str | None


def refuse_nul(values: dict[str, object]) -> None:
    """400 naming every argument whose text holds a NUL character (PostgreSQL cannot store one)."""
    bad = [name for name, value in values.items() if isinstance(value, str) and "\x00" in value]
    if bad:
        raise bad_request(*(f"{name}：不能含NUL字符（\\u0000）" for name in bad))


def parse_submission(fields: dict[str, object], idempotency_key: str | None, now: dt.datetime) -> Submission:
    """Check the POST fields; every problem is named by its Open311 argument (400)."""
    refuse_nul({**fields, "Idempotency-Key": idempotency_key})
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
        raise bad_request(*found)
    attrs: dict[str, object] = {"open311": {k: v for k, v in (("address_string", _text(fields.get("address_string"))),
                                                                 ("media_url", media_url)) if v}}
    incident = incidents.IncidentIn(
        channel=CHANNEL, category_code=code, reported_at=now, description=description, lon=lon, lat=lat,
        coord_system=COORD_SYSTEM, reporter_name=_full_name(first, last), reporter_phone=phone,
        request_id=REQUEST_ID_PREFIX + key if key else None, attrs=attrs)
    return Submission(incident, key)


def with_server_key(submission: Submission) -> Submission:
    """`submission` under a fresh server-made request_id (its own namespace), to check a lost COMMIT's outcome."""
    incident = dataclasses.replace(submission.incident, request_id=SERVER_ID_PREFIX + uuid.uuid4().hex)
    return Submission(incident, None)


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
    refuse_nul({"service_request_id": service_request_id, "service_code": service_code, "start_date": start_date,
                "end_date": end_date, "status": status})
    ids = _split(service_request_id)
    if ids:
        if not all(re.fullmatch(r"\d{1,18}", i) for i in ids):
            raise bad_request("service_request_id：须为以逗号分隔的编号，如 123,456")
        if len(ids) > MAX_IDS:
            raise bad_request(f"service_request_id：一次最多{MAX_IDS}个编号")
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
        raise bad_request(*found)
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise bad_request("start_date、end_date：end_date早于start_date")
    if end - start > WINDOW:
        raise bad_request(f"start_date、end_date：时间范围不能超过{WINDOW.days}天")
    return RequestQuery(codes=codes, start=start, end=end, closed=closed)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_datetime(value: str) -> dt.datetime:
    """An ISO 8601 date-time with its time zone (Z or ±HH:MM); ValueError otherwise."""
    text = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("须带时区")
    clock.check_year(parsed)
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
