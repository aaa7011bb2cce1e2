"""Coverage by area, coverage gaps and siting scenarios (maximal covering)."""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field

from api.deps import CurrentUser, Pool
from api.models import AtTime, Kind, StrictBody, Text, TimeOfDay
from api.paging import GEOJSON, FeatureWindow, ListWindow, geojson_slice, list_page
from api.routes.walking import BUSY
from geo.accounts import audit
from geo.db import jobs
from geo.errors import BadRequest
from geo.planning import scenarios, sites
from geo.walking import coverage, gaps
from geo.walking.access import ANY_KIND

router = APIRouter(tags=["覆盖缺口与选址"])

MAX_LIMIT_M = 5000.0  # an hour's walk
LimitM = Annotated[float, Query(gt=0, le=MAX_LIMIT_M, description="步行距离上限（米），1000米约15分钟")]
Resolution = Annotated[int, Query(ge=7, le=12, description="H3 分辨率，10 约150米（7～12）")]
ScenarioId = Annotated[int, Field(ge=1, le=2**62)]


@router.get("/coverage", summary="按街道、社区、网格统计步行覆盖率")
def by_area(
    pool: Pool,
    level: Annotated[Literal["street", "community", "grid"], Query(description="street、community 或 grid")] = "street",
    kind: Kind = ANY_KIND,
    at: AtTime = None,
    include_planned: bool = False,
    limit_m: LimitM = coverage.DEFAULT_LIMIT_M,
) -> dict[str, object]:
    """Residents, covered residents and share per area, lowest share first (the worst areas lead)."""
    with pool.connection() as conn:
        rows = coverage.by_area(conn, level, kind=kind, at=at, include_planned=include_planned, limit_m=limit_m)
    return {"level": level, "kind": kind, "at": at, "limit_m": limit_m, "totals": coverage.totals(rows),
            "areas": jsonable_encoder(rows)}


@router.post("/gaps/recompute", summary="重算覆盖缺口（未覆盖楼栋与六边形）", responses=BUSY)
def recompute_gaps(pool: Pool, user: CurrentUser, kind: Kind = ANY_KIND, at: AtTime = None,
                   include_planned: bool = False, limit_m: LimitM = coverage.DEFAULT_LIMIT_M,
                   resolution: Resolution = gaps.DEFAULT_RESOLUTION) -> dict[str, object]:
    """Store the uncovered residential buildings and H3 hexagons of their residents. One at a time."""
    with pool.connection() as conn, jobs.exclusive(conn, "gaps", "覆盖缺口重算", user.username):
        report = gaps.recompute(conn, kind=kind, at=at, include_planned=include_planned, limit_m=limit_m,
                                resolution=resolution)
        audit.record(conn, user.label, "重算覆盖缺口", "gap_runs", {"kind": kind, "at": at, "limit_m": limit_m})
        conn.commit()
    return {"run_id": report.run_id, "residents": report.residents, "uncovered_residents": report.uncovered_residents,
            "uncovered_share": report.uncovered_share, "buildings": report.buildings, "hexagons": report.hexagons}


@router.get("/gaps/{layer}", summary="覆盖缺口GeoJSON（分页）", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def read_gaps(request: Request, pool: Pool, window: FeatureWindow, layer: Literal["hexagons", "buildings"],
              kind: Kind = ANY_KIND, at: AtTime = None, include_planned: bool = False,
              limit_m: LimitM = coverage.DEFAULT_LIMIT_M, resolution: Resolution = gaps.DEFAULT_RESOLUTION) -> Response:
    """Hexagons of uncovered residents, or the uncovered buildings, for any hour: computed on request, not
    stored; a page at a time (numberMatched, links next/prev)."""
    with pool.connection() as conn:
        found = gaps.geojson(conn, layer, kind=kind, at=at, include_planned=include_planned,
                             limit_m=limit_m, resolution=resolution)
    return geojson_slice(request, found, window)


class ScenarioBody(StrictBody):
    """A siting question: k new sites, or the fewest sites for a coverage share."""

    name: Annotated[Text, Field(min_length=1, max_length=100, description="方案名称")]
    kind: Annotated[Text, Field(default="城市驿站", max_length=50,
                                description="新站类型；同类现有驿站固定计入，“全部”计入所有驿站")] = "城市驿站"
    k: int | None = Field(default=None, ge=0, le=200, description="新增站点数（与 target_share 二选一；都不填为5）")
    target_share: float | None = Field(default=None, gt=0, le=1, description="目标覆盖率0～1：求最少站点数")
    at: TimeOfDay | None = Field(default=None, description="时刻（HH:MM，可带时区），只计此时开放的驿站")
    include_planned: bool = False
    limit_m: float = Field(default=coverage.DEFAULT_LIMIT_M, gt=0, le=MAX_LIMIT_M, description="步行距离上限（米）")
    method: Literal["exact", "fast", "greedy"] = Field(
        default="exact", description="exact：HiGHS 精确求解并证明最优；fast：贪心+拉格朗日松弛；greedy：纯贪心")
    time_limit_s: float = Field(default=60.0, gt=0, le=300, description="求解时限（秒，至多300）")
    incident_weight: float = Field(default=0.0, ge=0, le=1000, description="按事件密度加权需求（0为只按人口）")
    worker_weight: float = Field(default=0.0, ge=0, le=100, description="新就业群体聚集点每名骑手折合的居民数")
    candidates: Literal["layer", "network"] = Field(default="layer", description="layer：候选站址图层；network：路网生成")
    spacing_m: float = Field(default=150.0, ge=50, le=2000, description="路网候选点间距（米，50～2000）")
    force_in: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        default=[], max_length=200, description="必选站址（候选站址编码）：方案一定包含")
    force_out: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        default=[], max_length=2000, description="排除站址（候选站址编码）：方案不得使用")


def scenario_inputs(body: ScenarioBody) -> scenarios.ScenarioInputs:
    """The checked inputs of a scenario body (k = 5 when neither k nor target_share is given)."""
    k = 5 if body.k is None and body.target_share is None else body.k
    return scenarios.ScenarioInputs(**{**body.model_dump(), "k": k})


@router.post("/siting/scenarios", summary="新建选址方案（最大覆盖）", status_code=201, responses=BUSY)
def create_scenario(body: ScenarioBody, pool: Pool, user: CurrentUser) -> JSONResponse:
    """Solve and store the scenario (one siting run at a time); the answer holds the sites and how good they are."""
    inputs = scenario_inputs(body)
    with pool.connection() as conn, jobs.exclusive(conn, "siting", "选址求解", user.username):
        scenario_id = scenarios.run(conn, inputs)
        audit.record(conn, user.label, "新建选址方案", f"方案{scenario_id}", {"name": body.name})
        conn.commit()
        scenario = scenarios.read(conn, scenario_id)
    scenario["verdict"] = scenarios.verdict(scenario)
    return JSONResponse(jsonable_encoder(scenario), status_code=201)


@router.get("/siting/scenarios", summary="选址方案列表")
def list_scenarios(request: Request, pool: Pool, window: ListWindow) -> dict[str, object]:
    """Stored scenarios, newest first, a page at a time (numberMatched, links next/prev)."""
    with pool.connection() as conn:
        rows = scenarios.listing(conn)
    return list_page(request, jsonable_encoder(window.slice(rows)), total=len(rows), window=window)


@router.get("/siting/scenarios/{scenario_id}", summary="查看选址方案")
def read_scenario(scenario_id: ScenarioId, pool: Pool) -> dict[str, object]:
    """Inputs, results, sites in order of choice and per-street coverage before and after."""
    with pool.connection() as conn:
        scenario = scenarios.read(conn, scenario_id)
    scenario["verdict"] = scenarios.verdict(scenario)
    return jsonable_encoder(scenario)


@router.get("/siting/scenarios/{scenario_id}/sites", summary="方案站点（GeoJSON分页，或下载CSV、Excel、GeoPackage）",
            response_class=Response,
            responses={200: {"content": {GEOJSON: {}, **{media: {} for media in sites.MEDIA_TYPES.values()}}}})
def read_sites(scenario_id: ScenarioId, request: Request, pool: Pool, window: FeatureWindow,
               circles: Annotated[bool, Query(description="true：各站点的步行圈（新增覆盖范围），仅用于GeoJSON")] = False,
               fmt: Annotated[Literal["geojson", "csv", "xlsx", "gpkg"], Query(
                   alias="format", description="geojson：站点GeoJSON；csv、xlsx（Excel）、gpkg（GeoPackage）："
                                               "下载站点明细（序号、名称、场所类型、地址、街道、社区、网格、新增覆盖居民、经纬度）")
               ] = "geojson") -> Response:
    """The proposed sites as points with their details, or their walking circles, in order of choice and a page
    at a time (numberMatched, links next/prev); or every site's details as a file."""
    if fmt != "geojson" and circles:
        raise BadRequest("circles=true 仅用于 GeoJSON；下载文件只含站点")
    with pool.connection() as conn:
        if fmt == "geojson":
            found = json.loads(scenarios.sites_geojson(conn, scenario_id, circles=circles))
            return geojson_slice(request, found, window)
        data, media_type, extension = sites.export(conn, scenario_id, fmt)
    filename = quote(f"scenario-{scenario_id}-sites.{extension}")
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@router.get("/siting/compare", summary="比较两个选址方案")
def compare(first: Annotated[int, Query(ge=1, le=2**62)], second: Annotated[int, Query(ge=1, le=2**62)],
            pool: Pool) -> dict[str, object]:
    """Headline figures of both and, for every street (a complete list), covered residents now and after each."""
    with pool.connection() as conn:
        return jsonable_encoder(scenarios.compare(conn, first, second))
