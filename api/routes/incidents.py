"""Incident intake (JSON and hotline CSV) and reading; reporters only for dispatchers."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Conn, Dispatcher, DispatcherOnly
from geo import incident_import, incidents
from geo.errors import NotFound

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
def create(body: IncidentBody, conn: Conn) -> JSONResponse:
    """Store the incident; the database assigns its grid at once. A retried request_id returns 200."""
    incident_id, created = incidents.submit(conn, incidents.IncidentIn(**body.model_dump()))
    conn.commit()
    return JSONResponse(_jsonable(incidents.read(conn, incident_id, dispatcher=True)),
                        status_code=201 if created else 200)


@router.post("/import", summary="导入12345热线CSV", dependencies=[DispatcherOnly])
def import_csv(
    conn: Conn,
    mode: Annotated[Literal["all", "good"], Query(description="all：有错则全部不导入；good：只导入无错的行")] = "all",
    body: Annotated[bytes, Body(media_type="text/csv")] = b"",
) -> dict[str, object]:
    """The body is the CSV file itself (UTF-8 or GB18030). Row errors name row, field and reason."""
    report = incident_import.import_csv(conn, io.BytesIO(body), name="上传的CSV", good_rows_only=mode == "good")
    conn.commit()  # stored before we say so
    return {"rows_read": report.rows_read, "stored": report.stored, "already_present": report.already_present,
            "assignment": report.assignment, "skipped": [p.as_dict() for p in report.skipped]}


@router.get("/{incident_id}", summary="查看事件")
def read(incident_id: int, conn: Conn, dispatcher: Dispatcher) -> Response:
    """The incident, its grid and team, department and deadline; reporter only for dispatchers."""
    row = incidents.read(conn, incident_id, dispatcher=dispatcher)
    if row is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    return JSONResponse(_jsonable(row))


def _jsonable(row: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in row.items()}
