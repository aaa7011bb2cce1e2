"""The stored layers as GeoJSON a page at a time: /layers/{name}, and the same pages as OGC API Features (/ogc)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import Pool, Settings
from api.paging import GEOJSON, FeatureWindow, Window, geojson_page
from geo.db import status
from geo.errors import BadRequest, NotFound
from geo.layers import export
from geo.layers.export import BBox
from geo.layers.schema import LAYERS, Layer, get_layer

router = APIRouter(tags=["图层"])
BBoxText = Annotated[str | None, Query(max_length=200, description="西,南,东,北（EPSG:4326 经纬度）")]


@router.get("/layers", summary="图层列表")
def list_layers(pool: Pool) -> list[dict[str, object]]:
    """Every layer (a short, complete list) with its Chinese label, feature count and link."""
    with pool.connection() as conn:
        counts = status.layer_counts(conn)
        return [{"name": name, "label": layer.label, "count": counts[name],
                 "href": f"/layers/{name}" if layer.geometry else None}
                for name, layer in LAYERS.items()]


@router.get("/layers/{name}", summary="图层GeoJSON（分页：numberMatched、links next/prev）", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def layer_geojson(
    name: str,
    request: Request,
    pool: Pool,
    window: FeatureWindow,
    bbox: BBoxText = None,
) -> Response:
    """One page of the layer as a GeoJSON FeatureCollection in EPSG:4326, ordered by its key, with
    numberMatched, numberReturned, paging (offset, limit, maxLimit) and links (self, next, prev).
    The same pages are the items of the OGC API Features collection /ogc/collections/{name}."""
    return layer_page(request, pool, window, name, bbox)


def layer_page(request: Request, pool: Pool, window: Window, name: str, bbox: str | None) -> Response:
    """The window's page of layer `name` within `bbox` ('west,south,east,north' degrees) as paged GeoJSON."""
    layer = get_layer(name)
    if layer.geometry is None:
        raise BadRequest(f"图层“{name}”没有几何，无法导出为GeoJSON")
    with pool.connection() as conn:
        body = export.feature_collection(conn, layer, bbox=BBox.parse(bbox) if bbox else None,
                                         limit=window.limit, offset=window.offset)
    return geojson_page(request, body, window)


# ---------------------------------------------------------------- OGC API - Features, Part 1 (read-only)
# GDAL's GeoJSON driver reads one document and ignores `next` links; its OAPIF driver (and QGIS's
# "WFS / OGC API - Features" connection) follows them. So each layer with a geometry is also a
# collection: /ogc (landing page), /ogc/conformance, /ogc/collections, /ogc/collections/{name} and
# /ogc/collections/{name}/items, whose pages are those of /layers/{name}.

OGC = ["OGC API Features"]
JSON = "application/json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Not "core": single features (/items/{featureId}) are not served, the layers' keys being composite for grids.
CONFORMANCE = ("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
               "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30")
SPATIAL = [layer for layer in LAYERS.values() if layer.geometry is not None]


def _link(request: Request, path: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": str(request.base_url).rstrip("/") + path, "rel": rel, "type": media_type, "title": title}


@router.get("/ogc", tags=OGC, summary="OGC API Features 入口")
def landing(request: Request, settings: Settings) -> dict[str, object]:
    """The landing page: links to the API definition, the conformance classes and the collections."""
    return {"title": settings.title, "description": "各图层（有几何者）按 OGC API Features 分页提供，GeoJSON，EPSG:4326",
            "links": [_link(request, "/ogc", "self", JSON, "入口"),
                      _link(request, "/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                            "接口定义（OpenAPI）"),
                      _link(request, "/docs", "service-doc", "text/html", "接口文档"),
                      _link(request, "/ogc/conformance", "conformance", JSON, "符合的标准类"),
                      _link(request, "/ogc/collections", "data", JSON, "图层集合")]}


@router.get("/ogc/conformance", tags=OGC, summary="OGC API Features 符合类")
def conformance() -> dict[str, object]:
    """The conformance classes: Part 1's GeoJSON and OpenAPI 3.0 (paged items, without single features)."""
    return {"conformsTo": list(CONFORMANCE)}


@router.get("/ogc/collections", tags=OGC, summary="OGC API Features 图层集合")
def collections(request: Request, pool: Pool) -> dict[str, object]:
    """Every layer with a geometry (a short, complete list), with its extent and items link."""
    with pool.connection() as conn:
        boxes = export.extents(conn, SPATIAL)
    return {"links": [_link(request, "/ogc/collections", "self", JSON, "图层集合")],
            "collections": [_collection(request, layer, boxes[layer.name]) for layer in SPATIAL]}


@router.get("/ogc/collections/{name}", tags=OGC, summary="OGC API Features 单个图层")
def collection(name: str, request: Request, pool: Pool) -> dict[str, object]:
    """One layer: title, extent, CRS and the link to its items."""
    layer = get_layer(name)
    if layer.geometry is None:
        raise NotFound(f"图层“{name}”没有几何，不是要素集合；可用：{'、'.join(s.name for s in SPATIAL)}")
    with pool.connection() as conn:
        return _collection(request, layer, export.extents(conn, [layer])[name])


@router.get("/ogc/collections/{name}/items", tags=OGC, summary="OGC API Features 要素（分页）", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}})
def items(name: str, request: Request, pool: Pool, window: FeatureWindow, bbox: BBoxText = None) -> Response:
    """A page of the layer's features, as /layers/{name} gives it."""
    return layer_page(request, pool, window, name, bbox)


def _collection(request: Request, layer: Layer, box: tuple[float, float, float, float] | None) -> dict[str, object]:
    path = f"/ogc/collections/{layer.name}"
    described = {"id": layer.name, "title": layer.label, "itemType": "feature", "crs": [CRS84],
                 "links": [_link(request, path, "self", JSON, layer.label),
                           _link(request, path + "/items", "items", GEOJSON, f"{layer.label}（GeoJSON）")]}
    if box is not None:
        described["extent"] = {"spatial": {"bbox": [list(box)], "crs": CRS84}}
    return described
