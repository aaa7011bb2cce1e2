"""Incident intake (JSON and hotline CSV), reading, handling and moderation, each within the caller's area.

Reporters' names and phones reach dispatchers and admins only (api/access.PERSONAL_DATA_ROLES),
and only for incidents in their area; grid workers act on their grids' incidents without them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from api.access import PERSONAL_DATA_ROLES
from api.deps import CurrentUser, Pool
from api.models import Moment, StrictBody, Text
from api.paging import Limit, Offset, page
from geo.accounts import audit
from geo.accounts.roles import User
from geo.errors import NotFound, OutOfScope
from geo.incidents import csv_import as incident_import
from geo.incidents import desk, handling
from geo.incidents import intake as incidents
from geo.incidents.filters import IncidentFilter

router = APIRouter(prefix="/incidents", tags=["事件"])
SCOPE = {403: {"description": "不在本人辖区内，或角色无权操作"}, 404: {"description": "没有该事件"}}
MAX_DESCRIPTION = 5000
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # a year of one district's hotline export is about 20 MB
ShortText = Annotated[Text, Field(max_length=200)]


class IncidentBody(StrictBody):
    """A request as a dispatcher's system or a grid worker's phone sends it."""

    request_id: Annotated[Text, Field(min_length=1, max_length=100,
                                      description="客户端请求号（必填）：重试时原样重发，返回同一事件；内容不同则409")]
    channel: ShortText = Field(description="渠道：" + "、".join(incidents.CHANNELS))
    category_code: ShortText = Field(description="职责清单类别编码")
    reported_at: Moment = Field(description="报告时间（带时区，2000～2100年）")
    description: Annotated[Text, Field(max_length=MAX_DESCRIPTION)] = ""
    lon: float | None = Field(default=None, description="经度（度）；范围与是否颠倒由受理检查，422说明")
    lat: float | None = Field(default=None, description="纬度（度）")
    coord_system: ShortText = Field(default="WGS84", description="WGS84、CGCS2000、GCJ02、BD09")
    reporter_name: ShortText | None = None
    reporter_phone: ShortText | None = None


def _in_scope(conn, user: User, incident_id: int) -> None:
    if not user.covers(handling.grid_code(conn, incident_id)):
        raise OutOfScope(f"事件{incident_id}不在您的辖区（{user.area_code}）内")


@router.post("", summary="受理事件", status_code=201,
             responses={200: {"description": "重试：同一请求号已受理，返回原事件"},
                        409: {"description": "请求号已用于内容不同的事件"}, 422: {"description": "内容无效"}})
def create(body: IncidentBody, pool: Pool, user: CurrentUser) -> JSONResponse:
    """Store the incident; the database assigns its grid at once. A retried request_id returns 200."""
    with pool.connection() as conn:
        conn.execute("SELECT set_config('wangge.actor', %s, false)", (user.label,))
        row, created = incidents.receive(conn, incidents.IncidentIn(**body.model_dump()))
        state = _state(conn, int(row["id"]))  # type: ignore[call-overload]
    return JSONResponse(_jsonable({**row, **state}), status_code=201 if created else 200)


@router.post("/import", summary="导入12345热线CSV", max_body_size=MAX_IMPORT_BYTES, openapi_extra={"requestBody": {"content": {"text/csv": {
    "schema": {"type": "string"}}}}}, responses={413: {"description": "文件过大"}, 422: {"description": "有坏行"}})
async def import_csv(
    request: Request,
    pool: Pool,
    user: CurrentUser,
    mode: Annotated[Literal["all", "good"], Query(description="all：有错则全部不导入；good：只导入无错的行")] = "all",
) -> dict[str, object]:
    """The body is the CSV file itself (UTF-8 or GB18030), streamed to a temporary file, never held whole."""
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
        async for chunk in request.stream():  # beyond MAX_IMPORT_BYTES, FastAPI answers 413
            spool.write(chunk)
        spool.seek(0)
        return await to_thread.run_sync(_import, pool, spool, mode == "good", user)


def _import(pool, spool, good_rows_only: bool, user: User) -> dict[str, object]:
    with pool.connection() as conn:
        report = incident_import.import_csv(conn, spool, name="上传的CSV", good_rows_only=good_rows_only)
        audit.record(conn, user.label, "导入事件", "上传的CSV", {"stored": report.stored})
        conn.commit()  # stored before we say so
    return {"rows_read": report.rows_read, "stored": report.stored, "already_present": report.already_present,
            "assignment": report.assignment, "skipped_total": len(report.skipped),
            "skipped": [p.as_dict() for p in report.skipped[:200]]}


class ActionBody(StrictBody):
    """One step of handling, with an optional note and (on 办结) the citizen's satisfaction."""

    action: ShortText = Field(description="办理、反馈、办结、退回、重新受理、重新打开、上报")
    note: Annotated[Text, Field(max_length=2000)] = ""
    satisfied: bool | None = Field(default=None, description="办结时群众是否满意")
    feedback_way: ShortText | None = Field(default=None, description="反馈时必填：" + "、".join(handling.FEEDBACK_WAYS))
    deadline: Moment | None = Field(default=None, description="上报时必填：街道办理时限（带时区）")


IncidentId = Annotated[int, Field(ge=1, le=2**62)]


@router.post("/{incident_id}/actions", summary="办理流转", responses={**SCOPE, 409: {"description": "不允许的流转"}})
def act(incident_id: IncidentId, body: ActionBody, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Move the incident along the transition table as the signed-in user; illegal steps are refused (409)."""
    with pool.connection() as conn:
        _in_scope(conn, user, incident_id)
        status = handling.act(conn, incident_id, body.action, actor=user.label, note=body.note,
                              satisfied=body.satisfied, feedback_way=body.feedback_way, deadline=body.deadline)
        conn.commit()
        return {"id": incident_id, "status": status}


class PublicationBody(StrictBody):
    """Moderation: may the public read this incident's description (masked) and see its photo?"""

    publishable: bool = Field(description="true：公开（脱敏后）；false：撤回")


@router.post("/{incident_id}/publication", summary="审核公开描述", responses=SCOPE)
def publication(incident_id: IncidentId, body: PublicationBody, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Until a dispatcher marks it publishable, the public sees category, status, area and a rounded location."""
    with pool.connection() as conn:
        _in_scope(conn, user, incident_id)
        handling.set_publishable(conn, incident_id, body.publishable, actor=user.label)
        audit.record(conn, user.label, "公开描述" if body.publishable else "撤回公开", f"事件{incident_id}")
        conn.commit()
    return {"id": incident_id, "publishable": body.publishable}


@router.get("/{incident_id}/events", summary="办理记录", responses=SCOPE)
def events(incident_id: IncidentId, pool: Pool, user: CurrentUser) -> list[dict[str, object]]:
    """Who did what when, oldest first."""
    with pool.connection() as conn:
        _in_scope(conn, user, incident_id)
        return [_jsonable(e) for e in handling.events(conn, incident_id)]


@router.get("", summary="事件列表（超期、临期或按条件筛选）",
            responses={400: {"description": "筛选条件无效"}, 403: {"description": "所选区域不在本人辖区内"}})
def queue(
    request: Request,
    pool: Pool,
    user: CurrentUser,
    queue: Annotated[Literal["overdue", "due_soon", "all"],
                     Query(description="overdue 超期（默认）；due_soon 临期；all 不限")] = "overdue",
    hours: Annotated[int, Query(ge=1, le=720, description="临期：多少小时内到期")] = handling.DUE_SOON_HOURS,
    sort: Annotated[str, Query(max_length=20, description="排序：" + "、".join(desk.SORTS))] = "deadline",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, object]:
    """Incidents in the caller's area (no personal data), filtered by the desk's parameters (status, late,
    category, department, type, channel, area, start, end, satisfied, unplaced, q), one page with counts."""
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    if queue != "all":
        params["due"] = ["overdue" if queue == "overdue" else "soon"]
        params["hours"] = [str(hours)]
    filt = IncidentFilter.from_query(params)
    with pool.connection() as conn:
        found = desk.queue(conn, filt, area=user.area_code, personal=user.role in PERSONAL_DATA_ROLES, sort=sort,
                           limit=limit, offset=offset)
    body = page(request, [_jsonable(r) for r in found.rows], total=found.total, limit=limit, offset=offset)
    return {**body, "by_status": found.by_status}


@router.get("/{incident_id}", summary="查看事件", responses=SCOPE)
def read(incident_id: IncidentId, pool: Pool, user: CurrentUser) -> Response:
    """The incident, its grid and team, department, deadline and where its handling stands; reporter only for
    dispatchers."""
    with pool.connection() as conn:
        row = incidents.read(conn, incident_id, personal=user.role in PERSONAL_DATA_ROLES)
        if row is None:
            raise NotFound(f"没有编号为{incident_id}的事件")
        if not user.covers(row["grid_code"]):  # type: ignore[arg-type]
            raise OutOfScope(f"事件{incident_id}不在您的辖区（{user.area_code}）内")
        return JSONResponse(_jsonable({**row, **_state(conn, incident_id)}))


def _state(conn, incident_id: int) -> dict[str, object]:
    """Where the incident's handling stands, without its grid's outline."""
    return {k: v for k, v in desk.handling_state(conn, incident_id).items() if k != "grid_geometry"}


def _jsonable(row: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else float(v) if isinstance(v, Decimal) else v
            for k, v in row.items()}

