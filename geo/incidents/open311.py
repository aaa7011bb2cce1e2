"""Open311 GeoReport v2 over the incident pipeline: services, intake, public reads.

Categories of the responsibility list are the services; incidents are the service
requests. Everything here is plain data in, plain data out (JSON-ready dicts and lists);
the HTTP layer decodes bodies, passes arguments and turns `Open311Error` into the spec's
error list `[{"code": 400, "description": "…"}]` with the status of its kind.

Public by design: intake needs no key (channel 网络) and reads never show the reporter.
The reporter's name and phone are stored for dispatchers (geo.incidents.intake) but are never
selected by the Open311 queries; descriptions are returned with the reporter's own name
and phone, and anything that looks like a phone number, e-mail or ID-card number, masked.
"""

from __future__ import annotations

import datetime as dt
import re

import psycopg
from psycopg.rows import dict_row

from geo.clock import CHINA_TZ
from geo.db import sql as sql_file
from geo.errors import InvalidIncident
from geo.incidents import intake as incidents
from geo.incidents.open311_input import RequestQuery, Submission, bad_request, conflict, not_found
from geo.incidents.privacy import public_description

CLOSED_STATUS = "办结"
# The public sees locations snapped to this step: 0.0005° is 56 m north-south, 45 m east-west at 36°N.
PUBLIC_STEP_DEG = 0.0005
STATUS_NOTES = {
    "受理": "已受理，等待办理",
    "办理": "办理中",
    "反馈": "已反馈办理结果，等待办结",
    "办结": "已办结",
    "退回": "已退回，等待重新受理",
}


# ---------------------------------------------------------------- services


def services(conn: psycopg.Connection) -> list[dict[str, object]]:
    """GET services: every category of the responsibility list."""
    return [_service(row) for row in _categories(conn, None)]


def service_definition(conn: psycopg.Connection, service_code: str) -> dict[str, object]:
    """GET service definition: no extra attributes (metadata is false for every service)."""
    if not _categories(conn, service_code):
        raise not_found(f"service_code：没有编码为“{service_code}”的服务（事项类别）")
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


def submit(conn: psycopg.Connection, submission: Submission) -> tuple[list[dict[str, object]], bool]:
    """Store the request (idempotent by key); return the spec's response and whether it is new.

    404 for an unknown service; 409 when the key was already used for a different request.
    The caller commits.
    """
    codes = incidents.category_codes(conn)
    incident = submission.incident
    if incident.category_code not in codes:
        raise not_found(f"service_code：没有编码为“{incident.category_code}”的服务（事项类别）")
    try:
        incident_id, created = incidents.submit(conn, incident, codes)
    except InvalidIncident as exc:  # checked above; kept as a safety net
        raise bad_request(*(f"{p.field or p.source}：{p.reason}" for p in exc.problems)) from None
    stored = incidents.read(conn, incident_id, personal=True) or {}  # compared, never returned whole
    if not created and not _same_request(stored, incident):
        raise conflict(f"Idempotency-Key：“{submission.idempotency_key}”已用于另一条内容不同的请求；新请求请换一个键")
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


def requests(conn: psycopg.Connection, query: RequestQuery, *, offset: int = 0) -> tuple[int, list[dict[str, object]]]:
    """GET requests: (how many match, the `query.limit` service requests from `offset`), newest first."""
    rows = conn.cursor(row_factory=dict_row).execute(sql_file("open311_requests"), {
        **query.params(), "offset": offset}).fetchall()
    return rows[0]["matched"], [_service_request(row) for row in rows if row["id"] is not None]


def request(conn: psycopg.Connection, service_request_id: str) -> list[dict[str, object]]:
    """GET request: a one-element list; 404 when there is no such request."""
    found: list[dict[str, object]] = []
    if re.fullmatch(r"\d{1,18}", service_request_id.strip()):
        found = requests(conn, RequestQuery(ids=[int(service_request_id)], limit=1))[1]
    if not found:
        raise not_found(f"service_request_id：没有编号为“{service_request_id}”的请求")
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
        "description": public_description(str(row["description"] or ""), row["reporter_name"],
                                          row["reporter_phone"]),
        "agency_responsible": row["department"],
        "service_notice": notice,
        "requested_datetime": _iso(row["reported_at"]),
        "updated_datetime": _iso(row["updated_at"]),
        "expected_datetime": _iso(row["deadline"]),
        "address": address,
        "address_id": row["grid_code"],
        "zipcode": None,
        "lat": rounded(float(row["lat"])) if located else None,
        "long": rounded(float(row["lon"])) if located else None,
        "media_url": row["media_url"],
    }


def rounded(degrees: float) -> float:
    """A coordinate on the public grid of PUBLIC_STEP_DEG (about 50 m): where, not whose door."""
    return round(round(degrees / PUBLIC_STEP_DEG) * PUBLIC_STEP_DEG, 6)


def _iso(value: object) -> str | None:
    if not isinstance(value, dt.datetime):
        return None
    return value.astimezone(CHINA_TZ).isoformat(timespec="seconds")
