"""Walking reach on request: who is within reach of any point (nothing stored)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import Pool
from api.models import Text
from geo.coords import chinacoords
from geo.errors import BadRequest
from geo.walking import _loaded, area
from geo.walking.circles import DEFAULT_SPEED_KMH, MAX_RINGS, SPEED_RANGE_KMH, WalkParams

router = APIRouter(tags=["步行圈与可达性"])
GEOJSON = "application/geo+json"
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
