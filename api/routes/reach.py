"""Walking reach on request: who is within reach of any point, what a change of stations would do (nothing stored)."""

from __future__ import annotations

import json
import math
from typing import Annotated

import shapely
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from api.deps import CurrentUser, Pool
from api.models import StrictBody, Text, TimeOfDay
from api.paging import GEOJSON
from geo.accounts import audit
from geo.coords import chinacoords
from geo.errors import BadRequest
from geo.layers.export import COORDINATE_DECIMALS
from geo.layers.schema import STATION_KINDS
from geo.planning import manual
from geo.walking import _loaded, area, coverage, whatif
from geo.walking.access import ANY_KIND
from geo.walking.circles import DEFAULT_SPEED_KMH, MAX_RINGS, SPEED_RANGE_KMH, WalkParams

router = APIRouter(tags=["步行圈与可达性"])
# The longest walk asked on request (metres): half an hour at 6 km/h; longer ones are planning runs.
MAX_AREA_WALK_M = 3000.0


def parse_minutes(text: str) -> tuple[float, ...]:
    """'5,10,15' → (5.0, 10.0, 15.0); BadRequest naming the parameter otherwise."""
    try:
        values = tuple(float(part) for part in text.replace("，", ",").split(",") if part.strip())
    except ValueError:
        raise BadRequest(f"minutes：“{text}”应为以逗号分隔的分钟数，如 5,10,15") from None
    if not values or len(values) > MAX_RINGS or not all(math.isfinite(v) and v > 0 for v in values):
        raise BadRequest(f"minutes：须为1～{MAX_RINGS}个正的分钟数，如 5,10,15")
    return values


def start_point(lon: float, lat: float, coord_system: str) -> tuple[float, float]:
    """WGS 84 degrees of a point given in `coord_system`; BadRequest naming the field otherwise."""
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise BadRequest("lon：经度须在 -180～180 度之间")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise BadRequest("lat：纬度须在 -90～90 度之间")
    try:
        x, y = chinacoords.to_wgs84(lon, lat, coord_system)
    except ValueError:
        raise BadRequest(f"coord_system：未知坐标系“{coord_system}”（可用 WGS84、CGCS2000、GCJ02、BD09）") from None
    return float(x), float(y)


@router.get("/walk/area", summary="任意点步行范围", response_class=JSONResponse,
            responses={200: {"content": {GEOJSON: {}}}, 400: {"description": "参数无效，或该点远离步行路网"}})
def walk_area(
    pool: Pool,
    lon: Annotated[float, Query(description="经度（度）")],
    lat: Annotated[float, Query(description="纬度（度）")],
    minutes: Annotated[Text, Query(max_length=100, description="步行时间（分钟），逗号分隔，如 5,10,15")] = "5,10,15",
    speed_kmh: Annotated[float, Query(ge=SPEED_RANGE_KMH[0], le=SPEED_RANGE_KMH[1],
                                      description="步行速度（公里/小时）")] = DEFAULT_SPEED_KMH,
    coord_system: Annotated[Text, Query(max_length=20, description="WGS84、CGCS2000、GCJ02、BD09")] = "WGS84",
) -> JSONResponse:
    """Walking rings from any point with the buildings and residents within each (WGS 84 GeoJSON).

    Computed on the walking network exactly as the stations' circles are; a building counts
    when its walking distance is within the ring's limit. Nothing is stored.
    """
    x, y = start_point(lon, lat, coord_system)
    try:
        params = WalkParams(parse_minutes(minutes), speed_kmh)
    except ValueError as exc:
        raise BadRequest(f"minutes：{exc}") from None
    longest = params.limit_m(max(params.minutes))
    if longest > MAX_AREA_WALK_M:
        raise BadRequest(f"minutes：最长步行距离{longest:,.0f}米超过上限{MAX_AREA_WALK_M:,.0f}米（请减少分钟数或速度）")
    with pool.connection() as conn:
        loaded = _loaded.current(conn)
    found = area.walk_area(loaded, x, y, params)
    return JSONResponse(area.to_geojson(found, speed_kmh=speed_kmh), media_type=GEOJSON)


class StationIn(StrictBody):
    """A station to add (WGS 84 unless `coord_system` of the request says otherwise)."""

    lon: float
    lat: float
    kind: Annotated[Text, Field(max_length=50, description="驿站类型：" + "、".join(STATION_KINDS))]
    opens: TimeOfDay | None = Field(default=None, description="开门时刻（不填与 closes 均不填则全天开放）")
    closes: TimeOfDay | None = Field(default=None, description="关门时刻")


class MoveIn(StrictBody):
    """An existing station to move."""

    code: Annotated[Text, Field(max_length=100, description="驿站编码")]
    lon: float
    lat: float


class WhatIfRequest(StrictBody):
    """Stations to add, move and remove, and how coverage is measured."""

    add: list[StationIn] = Field(default_factory=list, max_length=50, description="新增驿站")
    move: list[MoveIn] = Field(default_factory=list, max_length=50, description="移动驿站")
    remove: list[Annotated[Text, Field(max_length=100)]] = Field(default_factory=list, max_length=200,
                                                                 description="撤除驿站的编码")
    kind: Annotated[Text, Field(max_length=50)] = Field(default=ANY_KIND, description="按哪类驿站计覆盖（“全部”为任意类型）")
    at: TimeOfDay | None = Field(default=None, description="时刻（HH:MM），只计此时开放的驿站；不填则不限时段")
    include_planned: bool = Field(default=False, description="规划中的驿站也计入")
    limit_m: float = Field(default=1000.0, gt=0, le=MAX_AREA_WALK_M, description="步行距离上限（米）")
    speed_kmh: float = Field(default=DEFAULT_SPEED_KMH, ge=SPEED_RANGE_KMH[0], le=SPEED_RANGE_KMH[1],
                             description="步行速度（公里/小时），用于新增覆盖范围的步行圈")
    coord_system: Annotated[Text, Field(max_length=20)] = Field(default="WGS84", description="WGS84、CGCS2000、GCJ02、BD09")


def _change(body: WhatIfRequest) -> whatif.Change:
    def point(lon: float, lat: float) -> tuple[float, float]:
        return start_point(lon, lat, body.coord_system)

    add = []
    for s in body.add:
        if s.kind not in STATION_KINDS:
            raise BadRequest(f"add.kind：未知驿站类型“{s.kind}”（可用：{'、'.join(STATION_KINDS)}）")
        if (s.opens is None) != (s.closes is None):
            raise BadRequest("add.opens、add.closes：须同时填写，或都不填（全天开放）")
        add.append(whatif.NewStation(*point(s.lon, s.lat), kind=s.kind, is_24h=s.opens is None,
                                     opens=s.opens, closes=s.closes))
    return whatif.Change(add=tuple(add), move={m.code: point(m.lon, m.lat) for m in body.move},
                         remove=tuple(body.remove))


@router.post("/walk/whatif", summary="增设、移动、撤除驿站的覆盖变化（不保存）",
             responses={400: {"description": "参数无效"}, 404: {"description": "没有此驿站"}})
def walk_whatif(body: WhatIfRequest, pool: Pool) -> dict[str, object]:
    """Coverage before and after adding, moving or removing stations, per street and community, the
    residents newly covered and newly lost, and the newly covered area (GeoJSON, WGS 84). Nothing is stored."""
    change = _change(body)
    with pool.connection() as conn:
        loaded = _loaded.current(conn)
        answer = whatif.whatif(conn, loaded, change, kind=coverage.check_kind(body.kind), at=body.at,
                               include_planned=body.include_planned, limit_m=body.limit_m, speed_kmh=body.speed_kmh)
    area_geom = shapely.set_precision(answer["newly_covered_area"], 10 ** -COORDINATE_DECIMALS)
    answer["newly_covered_area"] = json.loads(shapely.to_geojson(area_geom))
    return answer


class SaveWhatIf(WhatIfRequest):
    """A what-if to keep as a scenario, under a name."""

    name: Annotated[Text, Field(min_length=1, max_length=100, description="方案名称")]


@router.post("/siting/scenarios/manual", summary="把方案推演保存为选址方案", status_code=201,
             responses={400: {"description": "参数无效或没有改动"}, 404: {"description": "没有此驿站"}})
def save_whatif(body: SaveWhatIf, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Store the stations added, moved and removed on the map as a scenario (method "manual"): the what-if's
    figures per street, its newly covered area, the added stations as sites in order of what each adds."""
    change = _change(body)
    with pool.connection() as conn:
        loaded = _loaded.current(conn)
        scenario_id = manual.store(conn, loaded, change, name=body.name, kind=coverage.check_kind(body.kind),
                                   at=body.at, include_planned=body.include_planned, limit_m=body.limit_m,
                                   speed_kmh=body.speed_kmh)
        audit.record(conn, user.label, "保存推演方案", f"方案{scenario_id}", {"name": body.name})
        conn.commit()
    return {"id": scenario_id, "links": {"scenario": f"/siting/scenarios/{scenario_id}",
                                         "map": f"/maps/siting/{scenario_id}"}}
