"""The maps, served as HTML pages (Leaflet and its plugins from /static; no personal data)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from api.access import ALLOWED
from api.deps import CurrentUser, Pool, Settings
from api.models import Kind, Text
from geo import clock
from geo.errors import BadRequest
from geo.incidents.filters import IncidentFilter
from geo.layers.export import BBox
from geo.walking.access import ANY_KIND
from web import map_coverage, map_gaps, map_incidents, map_siting
from web import siting_page as siting_page_mod
from web.basemaps import BLANK

router = APIRouter(prefix="/maps", tags=["地图"], default_response_class=HTMLResponse)


def _at(text: str | None) -> dt.time | None:
    """The form's time field: empty means any hour."""
    try:
        return clock.time_of_day(text) if text else None
    except ValueError as exc:
        raise BadRequest(f"at：{exc}") from None


At = Annotated[str | None, Query(max_length=20, description="时刻（HH:MM，可带时区），空为不限时段")]
Basemap = Annotated[Text, Query(max_length=20, description="底图：blank（默认，空白）、tianditu、amap（需在设置中启用）")]


def _with_csrf(request: Request, page: str) -> HTMLResponse:
    """The page with the session's CSRF token in <meta name="csrf-token">, for its scripts' POSTs."""
    token = html.escape(request.state.csrf or "", quote=True)
    return HTMLResponse(page.replace("<head>", f'<head>\n<meta name="csrf-token" content="{token}">', 1))


@router.get("/coverage", summary="驿站步行覆盖地图")
def coverage(request: Request, pool: Pool, kind: Kind = ANY_KIND, at: At = None,
             basemap: Basemap = BLANK) -> HTMLResponse:
    """Grids by coverage, stations by kind, walking circles per ring; filters by kind and hour; what-if
    with proposed stations dropped and dragged on the map (planners)."""
    with pool.connection() as conn:
        return _with_csrf(request, map_coverage.page(conn, kind=kind, at=_at(at), basemap=basemap))


FILTER_PARAMETERS = (
    "事件筛选参数与调度台、统计看板相同：`start`、`end`（报告日期 YYYY-MM-DD，北京时间，含当天；都不填为最近30天至今）、"
    "`category`（类别编码）、`type`（五件式：即办件、承诺件、上报件、协办件、告知件）、`status`（可重复：受理、办理、反馈、"
    "办结、退回）、`open=1`（未办结）、`due=overdue|soon` 与 `hours`、`late=1`（超期，含超期办结）、`department`、"
    "`channel`、`area`（街道、社区或网格编码）、`satisfied=true|false`、`unplaced=1`、`q`（文字）。"
)


def _filter(request: Request) -> IncidentFilter:
    """The incident filter of the URL's parameters (unknown ones are ignored); 400 naming a bad one."""
    return IncidentFilter.from_query({k: request.query_params.getlist(k) for k in request.query_params})


@router.get("/incidents", summary="事件分布地图", description=FILTER_PARAMETERS)
def incidents(request: Request, pool: Pool, basemap: Basemap = BLANK) -> HTMLResponse:
    """Incidents clustered, grid workload, overdue highlighted; the window shown and the filters active said on
    the page; popups with times, department, grid and 五件式 type, and a link to the desk."""
    filt = _filter(request)
    with pool.connection() as conn:
        return HTMLResponse(map_incidents.page(conn, filt=filt, basemap=basemap))


@router.get("/gaps", summary="覆盖缺口地图")
def gaps(pool: Pool, kind: Kind = ANY_KIND, at: At = None, basemap: Basemap = BLANK) -> HTMLResponse:
    """Hexagons of uncovered residents and the uncovered buildings."""
    with pool.connection() as conn:
        return HTMLResponse(map_gaps.page(conn, kind=kind, at=_at(at), basemap=basemap))


@router.get("/siting", summary="选址方案：新建（后台求解）与列表")
def siting_page(request: Request, pool: Pool, settings: Settings, user: CurrentUser,
                offset: Annotated[int, Query(ge=0, le=10**6, description="从第几个方案起（每页50个）")] = 0) -> HTMLResponse:
    """The scenarios (paged, newest first) with their maps and downloads; for planners the form that starts
    a scenario in the background and follows it to its map, and their recent jobs."""
    with pool.connection() as conn:
        return HTMLResponse(siting_page_mod.page(conn, title=settings.title, csrf=request.state.csrf or "",
                                                 can_plan=user.role in ALLOWED["planner"], offset=offset))


@router.get("/siting/{scenario_id}", summary="选址方案地图")
def siting(scenario_id: Annotated[int, Path(ge=1, le=2**62)], request: Request, pool: Pool,
           basemap: Basemap = BLANK) -> HTMLResponse:
    """Existing and proposed stations, the newly covered areas, before/after figures per street; what-if with
    the proposed sites dragged (planners), saved as a new scenario on request."""
    with pool.connection() as conn:
        return _with_csrf(request, map_siting.page(conn, scenario_id, basemap=basemap))


@router.get("/data/grids", summary="地图网格图层（按范围加载）", response_class=JSONResponse,
            description="workload 图层另取事件筛选参数。" + FILTER_PARAMETERS)
def grids(request: Request, pool: Pool, layer: Literal["coverage", "workload"],
          bbox: Annotated[str, Query(max_length=200, description="西,南,东,北（度）")], kind: Kind = ANY_KIND,
          at: At = None) -> JSONResponse:
    """The grids in view (every one: a complete list) with `fill` colour and Chinese `label`, for districts too
    large to embed."""
    box = BBox.parse(bbox)
    view = (box.west, box.south, box.east, box.north)
    with pool.connection() as conn:
        if layer == "coverage":
            return JSONResponse(map_coverage.grid_features(conn, kind=kind, at=_at(at), bbox=view))
        return JSONResponse(map_incidents.workload_in_view(conn, view, filt=_filter(request)))
