"""Folium maps that work without the internet: every script and style from /static/vendor.

folium and branca write `<script src>` / `<link href>` tags pointing at CDNs (jsDelivr,
cdnjs, code.jquery.com, …). `make_offline(m)` makes the map's page take them from the
files vendored under `web/static/vendor/` (served by the app at `/static/vendor/`):

- every link is looked up in one table, `ASSETS` (CDN URL or URL prefix → local path);
  a CDN URL not in the table raises `OfflineAssetError` when the map is rendered, so a
  new plugin can never silently reach the internet;
- the parts of folium's default header no map here needs (Bootstrap, glyphicons, Font
  Awesome, Leaflet.awesome-markers) are dropped; a map using `folium.Icon`, which needs
  them, is refused (use `folium.DivIcon`, `folium.CircleMarker` or the default marker);
- the rendered page is checked: no `<script src>`, `<link href>`, `<img src>`, CSS
  `url()` or `@import` to another host.

The background is blank by default (`tiles=None`). Basemaps are optional and only added
when configured (`MapSettings`, environment `WANGGE_MAP_*`): 天地图 (Tianditu, needs a key)
and 高德 (AMap). Tile requests to those hosts are then the only ones leaving the server.

Usage::

    m = blank_map([36.19, 113.12], zoom_start=13)
    folium.GeoJson(grids, name="网格").add_to(m)
    add_basemaps(m)                      # nothing unless configured
    folium.LayerControl().add_to(m)
    html = render_html(m)                # str, for an HTMLResponse
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
from branca.element import Element, Figure, Link
from folium.plugins import FastMarkerCluster
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.chinacoords import wgs84_to_gcj02

STATIC_DIR = Path(__file__).with_name("static")
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor/"

# CDN URL (exact) or URL prefix (ending in "/") → path under VENDOR_URL (a prefix maps to a
# folder prefix), or None for a default folium link that is dropped. Exact URLs win over
# prefixes; the file a link resolves to must exist under web/static/vendor.
ASSETS: dict[str, str | None] = {
    # Leaflet: folium 0.20 asks for 1.9.3; 1.9.4 is served.
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/": "leaflet/",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/": "leaflet/",
    "https://unpkg.com/leaflet@1.9.4/dist/": "leaflet/",
    # jQuery: folium.Popup parses its HTML with $(), and keep_in_front uses $(document).ready.
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    # leaflet.markercluster (MarkerCluster, FastMarkerCluster): folium asks for 1.1.0; 1.5.3 is served.
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/": "leaflet.markercluster/",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.5.3/": "leaflet.markercluster/",
    "https://unpkg.com/leaflet.markercluster@1.5.3/dist/": "leaflet.markercluster/",
    # d3 v3: branca's colour-scale legend (ColorMap.render adds it to the header).
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3/d3.min.js",
    "https://d3js.org/d3.v3.min.js": "d3/d3.min.js",
    # folium.plugins.Fullscreen: jsDelivr minifies on the fly; the npm package has only the plain file.
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css"
    ),
    # folium.Map's default header, not needed without folium.Icon (awesome markers): dropped.
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": None,
}

# Tile URL templates ({s} subdomain, {z} zoom, {x} column, {y} row). Tianditu's "_w" layers are
# Web Mercator tiles of CGCS2000 coordinates (= WGS 84 within a metre or so): no shift needed.
TIANDITU_VECTOR_URL = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_ANNOTATION_URL = (
    "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_SUBDOMAINS = "01234567"
# AMap road map tiles: GCJ-02 coordinates (see gcj02_display).
AMAP_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
AMAP_SUBDOMAINS = "1234"
BASEMAP_MAX_ZOOM = 18
# Maximum zoom of a map that sets none: without tiles Leaflet has no maximum, which
# Leaflet.markercluster refuses ("Map has no maxZoom specified"). Level 18 ≈ 0.5 m per pixel here.
DEFAULT_MAX_ZOOM = BASEMAP_MAX_ZOOM

# A map page asks for no favicon (Chromium would otherwise request /favicon.ico).
_NO_FAVICON = '<link rel="icon" href="data:,">'
# References the browser fetches by itself: <script src>, <img src>, <iframe src>, <link href>,
# CSS url(...) and @import. Links (<a href>) and tile URL templates inside scripts are not matched.
_FETCHED_REFERENCE = re.compile(
    r"""<(?:script|img|iframe|source|video|audio)\b[^>]*?\ssrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*?\shref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|@import\s+["']((?:https?:)?//[^"'\s]+)""",
    re.IGNORECASE,
)
_AWESOME_MARKERS = "L.AwesomeMarkers"
# Replaces FastMarkerCluster's default callback, which makes awesome-marker icons.
_PLAIN_MARKER_CALLBACK = "var callback = function (row) { return L.marker(new L.LatLng(row[0], row[1])); };"


class OfflineAssetError(RuntimeError):
    """A map refers to a script, style or icon set that is not vendored under web/static/vendor."""


class MapSettings(BaseSettings):
    """Optional basemaps, read from the environment (prefix WANGGE_MAP_); none by default."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_MAP_", extra="ignore")

    # 天地图 key ("tk", from console.tianditu.gov.cn); empty: no Tianditu layers.
    tianditu_key: str = ""
    # Offer the AMap (高德) road map; its tiles are in GCJ-02 (see gcj02_display).
    amap: bool = False


def local_url(url: str) -> str | None:
    """The URL under which the app serves `url`'s file, or None when `url` is dropped.

    Same-origin paths ("/static/...") and data: URLs are returned unchanged. A CDN URL is
    looked up in `ASSETS`. Raises `OfflineAssetError` for a URL not in the table, and for
    one whose vendored file is missing.
    """
    if url.startswith("data:") or (url.startswith("/") and not url.startswith("//")):
        local = url
    elif url in ASSETS:
        target = ASSETS[url]
        if target is None:
            return None
        local = VENDOR_URL + target
    else:
        prefixes = [p for p in ASSETS if p.endswith("/") and url.startswith(p)]
        if not prefixes:
            raise OfflineAssetError(
                f"{url} is not vendored: put the file under web/static/vendor/ and add its URL to "
                "web.offline.ASSETS (maps must not load anything from the internet)"
            )
        prefix = max(prefixes, key=len)
        target = ASSETS[prefix]
        if target is None:
            return None
        local = VENDOR_URL + target + url[len(prefix) :]
    if local.startswith(VENDOR_URL):
        path = VENDOR_DIR / local[len(VENDOR_URL) :].split("?", 1)[0]
        if not path.is_file():
            raise OfflineAssetError(f"{url} maps to {local}, but {path} does not exist")
    return local


class _OfflineHeader(Element):
    """A figure header that sends every script and style link through `local_url`."""

    def add_child(self, child: Element, name: str | None = None, index: int | None = None) -> Element:
        if isinstance(child, Link):
            url = local_url(child.url)
            if url is None:
                return self
            child.url = url
        return super().add_child(child, name=name, index=index)


class _OfflineFigure(Figure):
    """A figure whose rendered page is checked for anything fetched from another host."""

    def render(self, **kwargs: Any) -> str:
        _plain_fast_marker_clusters(self)
        html = super().render(**kwargs)
        assert_offline(html)
        return html


def _walk(element: Element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _plain_fast_marker_clusters(figure: Figure) -> None:
    """Give FastMarkerClusters with folium's default callback (awesome markers) plain Leaflet markers."""
    for element in _walk(figure):
        if isinstance(element, FastMarkerCluster) and _AWESOME_MARKERS in element.callback:
            element.callback = _PLAIN_MARKER_CALLBACK


def make_offline(m: folium.Map) -> folium.Map:
    """Make `m`'s page load every script and style from /static/vendor; returns `m`.

    Works on the map's root figure, so it covers elements added before or after the call,
    whatever renders the page (`render_html`, `m.get_root().render()`, `m.save()`). Rendering
    raises `OfflineAssetError` for an unknown CDN link, for `folium.Icon` (awesome markers are
    not vendored) and for anything else the page would fetch from another host. A map with no
    maximum zoom gets `DEFAULT_MAX_ZOOM` (folium passes `max_zoom` only to its tiles). Idempotent.
    """
    m.options.setdefault("max_zoom", DEFAULT_MAX_ZOOM)
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("the map is not in a branca Figure")
    if not isinstance(figure, _OfflineFigure):
        # Same attributes, behaviour added: swapping the classes keeps everything already added.
        figure.__class__ = _OfflineFigure
        figure.header.__class__ = _OfflineHeader
        for name, child in list(figure.header._children.items()):
            if isinstance(child, Link):
                url = local_url(child.url)
                if url is None:
                    del figure.header._children[name]
                else:
                    child.url = url
        figure.header.add_child(Element(_NO_FAVICON), name="wangge_no_favicon")
    return m


def render_html(m: folium.Map) -> str:
    """The complete HTML page of map `m`, with every script and style taken from /static/vendor."""
    return make_offline(m).get_root().render()


def assert_offline(html: str, allowed_hosts: Sequence[str] = ()) -> None:
    """Raise `OfflineAssetError` if the page `html` would fetch anything from another host.

    Checks `<script src>`, `<img src>`, `<iframe src>`, `<link href>`, CSS `url()` and
    `@import` (tile layers, whose URLs are templates inside scripts, are not checked), and
    the use of Leaflet.awesome-markers (`folium.Icon`), which is not vendored. `allowed_hosts`
    are host names that may be referred to.
    """
    if _AWESOME_MARKERS in html:
        raise OfflineAssetError(
            "folium.Icon needs Leaflet.awesome-markers and Font Awesome, which are not vendored: "
            "use folium.DivIcon, folium.CircleMarker or Leaflet's default marker"
        )
    external = []
    for match in _FETCHED_REFERENCE.finditer(html):
        url = next(g for g in match.groups() if g)
        host = url.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
        if host not in allowed_hosts:
            external.append(url)
    if external:
        raise OfflineAssetError(f"the map page would load from other hosts: {', '.join(sorted(set(external)))}")


def blank_map(location: Sequence[float], zoom_start: int = 13, **kwargs: Any) -> folium.Map:
    """An offline folium map on a blank background, with a scale bar.

    `location` is [lat, lon] in degrees (WGS 84), `zoom_start` a Web Mercator zoom level;
    other keyword arguments go to `folium.Map` (e.g. `max_zoom`, `prefer_canvas`).
    """
    kwargs.setdefault("control_scale", True)
    m = folium.Map(location=list(location), zoom_start=zoom_start, tiles=None, **kwargs)
    return make_offline(m)


def add_basemaps(m: folium.Map, settings: MapSettings | None = None, *, show: bool = False) -> list[folium.TileLayer]:
    """Add the configured basemaps to `m` as base layers to pick in a LayerControl.

    Nothing is added unless `settings` (default: the environment) configures a basemap; then
    a blank base layer (空白底图) comes first and stays selected unless `show` is true, in
    which case the first basemap is shown. 天地图: vector map (base layer) and its labels
    (overlay). 高德: road map (base layer).

    AMap tiles are drawn in GCJ-02, which is offset from WGS 84 by up to a few hundred metres
    in China: features drawn over them must be converted with `gcj02_display` first (and
    served in WGS 84 everywhere else). Tianditu needs no conversion.

    Returns the tile layers added; the caller adds `folium.LayerControl()` last.
    """
    settings = settings or MapSettings()
    layers: list[folium.TileLayer] = []
    if settings.tianditu_key:
        key = settings.tianditu_key
        layers.append(_tiles(TIANDITU_VECTOR_URL.replace("{key}", key), "天地图矢量", "天地图", TIANDITU_SUBDOMAINS))
        layers.append(
            _tiles(
                TIANDITU_ANNOTATION_URL.replace("{key}", key),
                "天地图注记",
                "天地图",
                TIANDITU_SUBDOMAINS,
                overlay=True,
            )
        )
    if settings.amap:
        layers.append(_tiles(AMAP_URL, "高德地图", "高德地图", AMAP_SUBDOMAINS))
    if not layers:
        return layers
    folium.FeatureGroup(name="空白底图", overlay=False, show=not show).add_to(m)
    first_base = True
    for layer in layers:
        layer.show = show and (layer.overlay or first_base)
        first_base = first_base and layer.overlay
        layer.add_to(m)
    return layers


def _tiles(url: str, name: str, attribution: str, subdomains: str, *, overlay: bool = False) -> folium.TileLayer:
    return folium.TileLayer(
        tiles=url,
        name=name,
        attr=attribution,
        subdomains=subdomains,
        max_zoom=BASEMAP_MAX_ZOOM,
        overlay=overlay,
        control=True,
        show=False,
    )


def gcj02_display(geojson: dict[str, Any]) -> dict[str, Any]:
    """A copy of WGS 84 GeoJSON with every position converted to GCJ-02, for drawing over AMap.

    Accepts a FeatureCollection, Feature or geometry (GeometryCollection included); positions
    are [lon, lat] or [lon, lat, z] in degrees (z kept). `bbox` members are dropped (they would
    no longer match). Points outside mainland China are left unchanged (GCJ-02 convention).
    For display only: store and compute in WGS 84.
    """
    out = copy.deepcopy(geojson)
    _shift_object(out)
    return out


def _shift_object(obj: dict[str, Any]) -> None:
    obj.pop("bbox", None)
    kind = obj.get("type")
    if kind == "FeatureCollection":
        for feature in obj.get("features", []):
            _shift_object(feature)
    elif kind == "Feature":
        if obj.get("geometry"):
            _shift_object(obj["geometry"])
    elif kind == "GeometryCollection":
        for geometry in obj.get("geometries", []):
            _shift_object(geometry)
    elif "coordinates" in obj:
        obj["coordinates"] = _shift_coordinates(obj["coordinates"])
    else:
        raise ValueError(f"not a GeoJSON object: type {kind!r}")


def _shift_coordinates(coords: Any) -> Any:
    if not coords:
        return coords
    if isinstance(coords[0], int | float):  # a single position
        return _shift_positions([coords])[0]
    if isinstance(coords[0][0], int | float):  # a line or ring: converted at once
        return _shift_positions(coords)
    return [_shift_coordinates(part) for part in coords]


def _shift_positions(positions: list[list[float]]) -> list[list[float]]:
    lon = np.array([p[0] for p in positions], dtype=float)
    lat = np.array([p[1] for p in positions], dtype=float)
    glon, glat = wgs84_to_gcj02(lon, lat)
    return [[float(x), float(y), *p[2:]] for x, y, p in zip(glon, glat, positions, strict=True)]
