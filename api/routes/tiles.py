"""Vector tiles of the base layers (Mapbox Vector Tiles), the offline basemap under every map."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import Pool
from geo.tiles import mvt

router = APIRouter(tags=["底图瓦片"])
MVT = "application/vnd.mapbox-vector-tile"
# Tiles change only with an import; browsers ask again after a minute and get 304 while the
# data version (the ETag) is the same.
CACHE_CONTROL = "private, max-age=60"


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", summary="矢量瓦片", response_class=Response,
            responses={200: {"content": {MVT: {}}}, 304: {"description": "未变（ETag 与数据版本相同）"},
                       400: {"description": "缩放级别或瓦片编号越界"}, 404: {"description": "没有此图层"}})
def vector_tile(
    request: Request,
    pool: Pool,
    layer: Annotated[str, Path(max_length=30, description="图层：" + "、".join(mvt.LAYERS))],
    z: Annotated[int, Path(ge=0, le=mvt.MAX_ZOOM, description="缩放级别")],
    x: Annotated[int, Path(ge=0, le=2 ** mvt.MAX_ZOOM - 1, description="列号")],
    y: Annotated[int, Path(ge=0, le=2 ** mvt.MAX_ZOOM - 1, description="行号")],
) -> Response:
    """One tile (Web Mercator XYZ) of a base layer: the walking network (`streets`, by class),
    `buildings`, `barriers`, and the outlines of `districts`, `streets_admin`, `communities` and
    `grids` with their names as labels (layer `<name>_labels`) at the zooms each is drawn at."""
    chosen = mvt.layer_of(layer)
    mvt.check_tile(z, x, y)
    with pool.connection() as conn:
        version = mvt.version(conn, chosen)
        etag = f'"{chosen.name}-{version}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(mvt.tile(conn, chosen, z, x, y, version), media_type=MVT, headers=headers)
