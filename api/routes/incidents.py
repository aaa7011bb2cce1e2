"""Incident intake (JSON and hotline CSV) and reading; reporters only for dispatchers."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Dispatcher, DispatcherOnly, Pool
from geo.errors import NotFound
from geo.incidents import csv_import as incident_import
from geo.incidents import handling
from geo.incidents import intake as incidents

router = APIRouter(prefix="/incidents", tags=["事件"])


class IncidentBody(BaseModel):
    """A request as a dispatcher or a grid worker's phone sends it."""

    request_id: str | None = Field(default=None, description="客户端请求号；重试时返回同一事件")
    channel: str = Field(description="渠道：" + "、".join(incidents.CHANNELS))
    category_code: str = Field(description="职责清单类别编码")
    reported_at: dt.datetime = Field(description="报告时间（带时区）")
    description: str = ""
    lon: float | None = Field(default=None, description="经度（度）")
    lat: float | None = Field(default=None, description="纬度（度）")
    coord_system: str = Field(default="WGS84", description="WGS84、CGCS2000、GCJ02、BD09")
    reporter_name: str | None = None
    reporter_phone: str | None = None


@router.post("", summary="受理事件", dependencies=[DispatcherOnly], status_code=201)
def create(body: IncidentBody, pool: Pool) -> JSONResponse:
    """Store the incident; the database assigns its grid at once. A retried request_id returns 200."""
    with pool.connection() as conn:
        row, created = incidents.receive(conn, incidents.IncidentIn(**body.model_dump()))
    return JSONResponse(_jsonable(row), status_code=201 if created else 200)


@router.post("/import", summary="导入12345热线CSV", dependencies=[DispatcherOnly])
def import_csv(
    pool: Pool,
    mode: Annotated[Literal["all", "good"], Query(description="all：有错则全部不导入；good：只导入无错的行")] = "all",
    body: Annotated[bytes, Body(media_type="text/csv")] = b"",
) -> dict[str, object]:
    """The body is the CSV file itself (UTF-8 or GB18030). Row errors name row, field and reason."""
    with pool.connection() as conn:
        report = incident_import.import_csv(conn, io.BytesIO(body), name="上传的CSV", good_rows_only=mode == "good")
        conn.commit()  # stored before we say so
        return {"rows_read": report.rows_read, "stored": report.stored, "already_present": report.already_present,
                "assignment": report.assignment, "skipped": [p.as_dict() for p in report.skipped]}


class ActionBody(BaseModel):
    """One step of handling, by whom, with an optional note and (on 办结) the citizen's satisfaction."""

    action: str = Field(description="办理、反馈、办结、退回、重新受理、重新打开")
    actor: str = Field(min_length=1, description="操作人")
    note: str = ""
    satisfied: bool | None = Field(default=None, description="办结时群众是否满意")


@router.post("/{incident_id}/actions", summary="办理流转", dependencies=[DispatcherOnly])
def act(incident_id: int, body: ActionBody, pool: Pool) -> dict[str, object]:
    """Move the incident along the transition table; illegal steps are refused (409) naming the allowed ones."""
    with pool.connection() as conn:
        status = handling.act(conn, incident_id, body.action, actor=body.actor, note=body.note, satisfied=body.satisfied)
        conn.commit()
        return {"id": incident_id, "status": status}


@router.get("/{incident_id}/events", summary="办理记录", dependencies=[DispatcherOnly])
def events(incident_id: int, pool: Pool) -> list[dict[str, object]]:
    """Who did what when, oldest first."""
    with pool.connection() as conn:
        return [_jsonable(e) for e in handling.events(conn, incident_id)]


@router.get("", summary="超期与临期事件")
def queue(
    pool: Pool,
    queue: Annotated[Literal["overdue", "due_soon"], Query(description="overdue 超期；due_soon 临期")] = "overdue",
    area: Annotated[str | None, Query(description="街道、社区或网格编码")] = None,
    hours: Annotated[int, Query(ge=1, le=720, description="临期：多少小时内到期")] = handling.DUE_SOON_HOURS,
) -> list[dict[str, object]]:
    """Open incidents past or near their deadline (no personal data), soonest deadline first."""
    with pool.connection() as conn:
        return [_jsonable(r) for r in handling.queue(conn, queue, area=area, hours=hours)]


@router.get("/{incident_id}", summary="查看事件")
def read(incident_id: int, pool: Pool, dispatcher: Dispatcher) -> Response:
    """The incident, its grid and team, department and deadline; reporter only for dispatchers."""
    with pool.connection() as conn:
        row = incidents.read(conn, incident_id, dispatcher=dispatcher)
        if row is None:
            raise NotFound(f"没有编号为{incident_id}的事件")
        return JSONResponse(_jsonable(row))


def _jsonable(row: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else float(v) if isinstance(v, Decimal) else v
            for k, v in row.items()}
