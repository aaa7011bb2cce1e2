"""Walking circles and walking access: recompute, and read as GeoJSON."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from api.deps import CurrentUser, Pool
from api.models import AtTime, Code, Kind, StrictBody
from api.paging import GEOJSON, FeatureWindow, geojson_page, geojson_slice
from geo.accounts import audit
from geo.db import jobs
from geo.errors import BadRequest
from geo.walking import access, live
from geo.walking import store as circle_store
from geo.walking.circles import (
    DEFAULT_BUFFER_M,
    DEFAULT_MINUTES,
    DEFAULT_SPEED_KMH,
    MAX_BUFFER_M,
    MAX_MINUTES,
    MAX_RINGS,
    SPEED_RANGE_KMH,
    WalkParams,
)

router = APIRouter(tags=["步行圈与可达性"])


BUSY = {409: {"description": "同类重算正在进行（说明由谁发起）"}}
Minutes = Annotated[float, Field(gt=0, le=MAX_MINUTES)]
Speed = Annotated[float, Query(ge=SPEED_RANGE_KMH[0], le=SPEED_RANGE_KMH[1], description="换算步行分钟所用速度")]


class CirclesRequest(StrictBody):
    """Parameters of a circles recompute."""

    minutes: list[Minutes] = Field(default=list(DEFAULT_MINUTES), min_length=1, max_length=MAX_RINGS,
                                   description="步行时间（分钟）")
    speed_kmh: float = Field(default=DEFAULT_SPEED_KMH, ge=SPEED_RANGE_KMH[0], le=SPEED_RANGE_KMH[1],
                             description="步行速度（公里/小时）")
    buffer_m: float = Field(default=DEFAULT_BUFFER_M, ge=0, le=MAX_BUFFER_M, description="路网缓冲距离（米）")
    full: bool = Field(default=False, description="全部重算（默认只算新增、移动或参数变化的驿站）")


def _params(body: CirclesRequest) -> WalkParams:
    try:
        return WalkParams(tuple(body.minutes), body.speed_kmh, body.buffer_m)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@router.post("/circles/recompute", summary="重算步行圈", responses=BUSY)
def recompute_circles(body: CirclesRequest, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Recompute the circles that are out of date (all with `full`); one circles recompute at a time."""
    params = _params(body)
    with pool.connection() as conn, jobs.exclusive(conn, "circles", "步行圈重算", user.username):
        report = circle_store.recompute(conn, params, full=body.full)
        audit.record(conn, user.label, "重算步行圈", "walk_circles", body.model_dump())
        conn.commit()
        return {"computed": report.computed, "kept": report.kept, "off_network": report.off_network,
                "seconds": round(report.seconds, 2)}


@router.get("/circles", summary="步行圈GeoJSON（分页）", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def read_circles(
    request: Request,
    pool: Pool,
    window: FeatureWindow,
    minutes: Annotated[float | None, Query(gt=0, le=MAX_MINUTES, description="步行时间（分钟），如 15")] = None,
    kind: Kind | None = None,
    station: Code | None = None,
) -> Response:
    """Stored circles in EPSG:4326 with the parameters they were computed with, by station code and
    minutes, a page at a time (numberMatched, links next/prev)."""
    with pool.connection() as conn:
        circles = json.loads(circle_store.circles_geojson(conn, minutes=minutes, kind=kind, station=station))
    return geojson_slice(request, circles, window)


@router.post("/access/recompute", summary="重算楼栋到最近驿站的步行距离", responses=BUSY)
def recompute_access(pool: Pool, user: CurrentUser, at: AtTime = None, include_planned: bool = False) -> dict[str, object]:
    """One multi-source pass per station kind; replaces the previous run for the same time. One at a time."""
    with pool.connection() as conn, jobs.exclusive(conn, "access", "可达性重算", user.username):
        report = access.recompute(conn, at=at, include_planned=include_planned)
        audit.record(conn, user.label, "重算可达性", "access_runs", {"at": at, "include_planned": include_planned})
        conn.commit()
        return {"run_id": report.run_id, "stations": report.stations, "buildings": report.buildings,
                "nodes": report.nodes}


@router.get("/access/buildings", summary="楼栋步行可达性GeoJSON", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def read_access(
    request: Request,
    pool: Pool,
    window: FeatureWindow,
    kind: Kind = access.ANY_KIND,
    at: AtTime = None,
    include_planned: bool = False,
    speed_kmh: Speed = DEFAULT_SPEED_KMH,
) -> Response:
    """Each building's nearest station of `kind` open at `at` and its walking distance (m) and time (min),
    computed on request for any hour; paged by building code (numberMatched: every building; links next/prev)."""
    with pool.connection() as conn:
        body = live.buildings_geojson(conn, kind=kind, at=at, include_planned=include_planned,
                                      speed_kmh=speed_kmh, limit=window.limit, offset=window.offset)
    return geojson_page(request, body, window)
