"""GET /layers and /layers/{name}: each stored layer as GeoJSON, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import Pool
from api.paging import GEOJSON, FeatureWindow, geojson_page
from geo.db import status
from geo.errors import BadRequest
from geo.layers import export
from geo.layers.export import BBox
from geo.layers.schema import LAYERS, get_layer

router = APIRouter(prefix="/layers", tags=["图层"])


@router.get("", summary="图层列表")
def list_layers(pool: Pool) -> list[dict[str, object]]:
    """Every layer (a short, complete list) with its Chinese label, feature count and link."""
    with pool.connection() as conn:
        counts = status.layer_counts(conn)
        return [{"name": name, "label": layer.label, "count": counts[name],
                 "href": f"/layers/{name}" if layer.geometry else None}
                for name, layer in LAYERS.items()]


@router.get("/{name}", summary="图层GeoJSON（分页：numberMatched、links next/prev）", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def layer_geojson(
    name: str,
    request: Request,
    pool: Pool,
    window: FeatureWindow,
    bbox: Annotated[str | None, Query(max_length=200, description="西,南,东,北（EPSG:4326 经纬度）")] = None,
) -> Response:
    """One page of the layer as a GeoJSON FeatureCollection in EPSG:4326, ordered by its key, with
    numberMatched, numberReturned, paging (offset, limit, maxLimit) and links (self, next, prev)."""
    with pool.connection() as conn:
        layer = get_layer(name)
        if layer.geometry is None:
            raise BadRequest(f"图层“{name}”没有几何，无法导出为GeoJSON")
        body = export.feature_collection(conn, layer, bbox=BBox.parse(bbox) if bbox else None,
                                         limit=window.limit, offset=window.offset)
    return geojson_page(request, body, window)
