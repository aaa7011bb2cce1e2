"""GET /layers and /layers/{name}: each stored layer as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import Pool, Settings
from api.paging import Offset
from geo.db import status
from geo.errors import BadRequest
from geo.layers import export
from geo.layers.export import BBox
from geo.layers.schema import LAYERS, get_layer

router = APIRouter(prefix="/layers", tags=["图层"])
GEOJSON = "application/geo+json"


@router.get("", summary="图层列表")
def list_layers(pool: Pool) -> list[dict[str, object]]:
    """Every layer with its Chinese label, feature count and link."""
    with pool.connection() as conn:
        counts = status.layer_counts(conn)
        return [{"name": name, "label": layer.label, "count": counts[name],
                 "href": f"/layers/{name}" if layer.geometry else None}
                for name, layer in LAYERS.items()]


@router.get("/{name}", summary="图层GeoJSON", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def layer_geojson(
    name: str,
    pool: Pool,
    settings: Settings,
    bbox: Annotated[str | None, Query(max_length=200, description="西,南,东,北（EPSG:4326 经纬度）")] = None,
    limit: Annotated[int | None, Query(ge=1, description="每页要素数")] = None,
    offset: Offset = 0,
) -> Response:
    """One page of the layer as a GeoJSON FeatureCollection in EPSG:4326."""
    with pool.connection() as conn:
        layer = get_layer(name)
        if layer.geometry is None:
            raise BadRequest(f"图层“{name}”没有几何，无法导出为GeoJSON")
        page = settings.default_page_size if limit is None else limit
        if page > settings.max_page_size:
            raise BadRequest(f"limit 不能超过 {settings.max_page_size}")
        body = export.feature_collection(conn, layer, bbox=BBox.parse(bbox) if bbox else None,
                                         limit=page, offset=offset)
        return Response(body, media_type=GEOJSON)
