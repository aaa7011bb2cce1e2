"""Base maps: our own vector tiles by default; 天地图 (Tianditu, key from settings) and 高德 (AMap) when configured.

The default ("blank" in the form, for history) draws wangge's own data offline: the walking network,
buildings, rivers and railways, and the outlines and names of districts, streets, communities and grids,
as vector tiles from /tiles (geo.tiles.mvt) drawn by Leaflet.VectorGrid (web/static/basemap.js).

AMap's tiles are drawn in GCJ-02, offset from WGS 84 by up to a few hundred metres in
China. Rather than converting every layer, a map over AMap gets a Leaflet CRS that
projects WGS 84 positions through GCJ-02 before Web Mercator (`GCJ02_CRS_JS`, built
from the constants of geo.coords.chinacoords, so the browser and the server apply one
definition): the data stay in WGS 84, the tiles and the layers line up. Tianditu's
Web Mercator tiles are CGCS2000 (= WGS 84 within a metre or so) and need nothing.
Tile requests to those hosts are the only requests a map page then makes off the server.
"""

from __future__ import annotations

import json

import folium
from branca.element import Element, MacroElement, Template
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.coords import chinacoords as cc
from geo.errors import BadRequest
from geo.tiles import mvt
from web.offline import STATIC_URL, VENDOR_URL

# Tile URL templates ({s} subdomain, {z} zoom, {x} column, {y} row).
TIANDITU_VECTOR_URL = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_ANNOTATION_URL = (
    "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
TIANDITU_SUBDOMAINS = "01234567"
AMAP_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
AMAP_SUBDOMAINS = "1234"
BASEMAP_MAX_ZOOM = 18
BLANK, TIANDITU, AMAP = "blank", "tianditu", "amap"
LABELS = {BLANK: "本地底图（路网、楼栋、区划）", TIANDITU: "天地图", AMAP: "高德地图"}
GCJ02_CRS = "GCJ02"  # folium.Map(crs=...) renders L.CRS.GCJ02


class MapSettings(BaseSettings):
    """Optional basemaps, read from the environment (prefix WANGGE_MAP_); none by default."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_MAP_", extra="ignore")

    # 天地图 key ("tk", from console.tianditu.gov.cn); empty: no Tianditu.
    tianditu_key: str = ""
    # Offer the AMap (高德) road map (GCJ-02 tiles).
    amap: bool = False


def choices(settings: MapSettings | None = None) -> list[tuple[str, str]]:
    """(value, Chinese label) of the basemaps a page may ask for: blank, and those configured."""
    settings = settings or MapSettings()
    return [(BLANK, LABELS[BLANK])] + [(v, LABELS[v]) for v, on in ((TIANDITU, bool(settings.tianditu_key)),
                                                                      (AMAP, settings.amap)) if on]


def check(choice: str, settings: MapSettings | None = None) -> str:
    """`choice` if it is a configured basemap; BadRequest naming the available ones otherwise."""
    available = choices(settings)
    if choice not in {v for v, _ in available}:
        raise BadRequest(f"底图“{choice}”不可用（可用：{'、'.join(f'{v}（{label}）' for v, label in available)}；"
                         "天地图需设置 WANGGE_MAP_TIANDITU_KEY，高德需设置 WANGGE_MAP_AMAP=true）")
    return choice


def crs(choice: str) -> str:
    """The Leaflet CRS name a map over `choice` needs (GCJ-02 Mercator for AMap)."""
    return GCJ02_CRS if choice == AMAP else "EPSG3857"


def add(m: folium.Map, choice: str, settings: MapSettings | None = None) -> None:
    """Show basemap `choice` on `m` (made with `crs(choice)`)."""
    settings = settings or MapSettings()
    check(choice, settings)
    if choice == BLANK:
        add_own(m)
    elif choice == TIANDITU:
        key = settings.tianditu_key
        _tiles(TIANDITU_VECTOR_URL.replace("{key}", key), "天地图矢量", TIANDITU_SUBDOMAINS).add_to(m)
        _tiles(TIANDITU_ANNOTATION_URL.replace("{key}", key), "天地图注记", TIANDITU_SUBDOMAINS,
               overlay=True).add_to(m)
    elif choice == AMAP:
        install_gcj02_crs(m)
        _tiles(AMAP_URL, "高德地图", AMAP_SUBDOMAINS).add_to(m)


def add_own(m: folium.Map) -> None:
    """Draw the own vector-tile basemap under `m`'s layers (Web Mercator maps only: the tiles are WGS 84)."""
    # In the body: after Leaflet (the header, which folium fills when rendering), before the map's script.
    scripts = "".join(f'<script src="{src}"></script>' for src in (
        f"{VENDOR_URL}leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js", f"{STATIC_URL}/basemap.js"))
    m.get_root().html.add_child(Element(scripts), name="wangge_basemap_scripts")
    layers = [{"name": layer.name, "minZoom": layer.min_zoom, "labelZoom": layer.label_zoom,
               "labelMaxZoom": layer.label_max_zoom} for layer in mvt.LAYERS.values()]
    own = MacroElement()
    own._template = Template("""{% macro script(this, kwargs) %}
        wanggeBasemap({{ this._parent.get_name() }}, """ + json.dumps(layers) + """);
    {% endmacro %}""")
    m.add_child(own, name="wangge_own_basemap")


def install_gcj02_crs(m: folium.Map) -> None:
    """Define L.CRS.GCJ02 on the page: in its body, after Leaflet (header) and before the map's script."""
    m.get_root().html.add_child(Element(f"<script>{GCJ02_CRS_JS}</script>"), name="wangge_gcj02_crs")


def _tiles(url: str, name: str, subdomains: str, *, overlay: bool = False) -> folium.TileLayer:
    return folium.TileLayer(tiles=url, name=name, attr=name.removesuffix("矢量").removesuffix("注记"),
                            subdomains=subdomains, max_zoom=BASEMAP_MAX_ZOOM, overlay=overlay, control=True,
                            show=True)


def _js_constants() -> str:
    values = {
        "A": cc.KRASOVSKY_A, "EE": cc.KRASOVSKY_EE,
        "BOX": [cc.CHINA_LON_MIN, cc.CHINA_LON_MAX, cc.CHINA_LAT_MIN, cc.CHINA_LAT_MAX],
        "ORIGIN": [cc.GCJ_ORIGIN_LON, cc.GCJ_ORIGIN_LAT], "LAT_POLY": cc.GCJ_LAT_POLY, "LON_POLY": cc.GCJ_LON_POLY,
        "SCALE": cc.GCJ_HARMONIC_SCALE, "SHARED": cc.GCJ_SHARED_HARMONICS, "LAT_H": cc.GCJ_LAT_HARMONICS,
        "LON_H": cc.GCJ_LON_HARMONICS, "TOL": cc.INVERSE_TOLERANCE_DEG, "ITER": cc.INVERSE_MAX_ITERATIONS}
    return json.dumps(values)


# geo.coords.chinacoords' forward GCJ-02 formula and fixed-point inverse, in JavaScript, and a CRS using them.
GCJ02_CRS_JS = """
(function () {
    var C = """ + _js_constants() + """;
    function series(x, y, p) { return p[0] + p[1] * x + p[2] * y + p[3] * x * x + p[4] * y * y + p[5] * x * y
                                      + p[6] * Math.sqrt(Math.abs(x)); }
    function harmonics(v, terms) { var s = 0; terms.forEach(function (t) { s += t[0] * Math.sin(t[1] * Math.PI * v); });
                                   return C.SCALE * s; }
    function toGcj(lon, lat) {
        if (lon < C.BOX[0] || lon > C.BOX[1] || lat < C.BOX[2] || lat > C.BOX[3]) { return [lon, lat]; }
        var x = lon - C.ORIGIN[0], y = lat - C.ORIGIN[1], shared = harmonics(x, C.SHARED);
        var north = series(x, y, C.LAT_POLY) + shared + harmonics(y, C.LAT_H);
        var east = series(x, y, C.LON_POLY) + shared + harmonics(x, C.LON_H);
        var rad = lat * Math.PI / 180, w = 1 - C.EE * Math.pow(Math.sin(rad), 2);
        var meridian = C.A * (1 - C.EE) / (w * Math.sqrt(w)), parallel = C.A / Math.sqrt(w) * Math.cos(rad);
        return [lon + east / parallel * 180 / Math.PI, lat + north / meridian * 180 / Math.PI];
    }
    function toWgs(lon, lat) {
        var w = [lon, lat];
        for (var i = 0; i < C.ITER; i++) {
            var g = toGcj(w[0], w[1]), dx = g[0] - lon, dy = g[1] - lat;
            w = [w[0] - dx, w[1] - dy];
            if (Math.abs(dx) < C.TOL && Math.abs(dy) < C.TOL) { break; }
        }
        return w;
    }
    var merc = L.Projection.SphericalMercator;
    L.CRS.GCJ02 = L.extend({}, L.CRS.EPSG3857, {
        code: "GCJ02",
        projection: L.extend({}, merc, {
            project: function (ll) { var g = toGcj(ll.lng, ll.lat); return merc.project(L.latLng(g[1], g[0])); },
            unproject: function (p) { var g = merc.unproject(p), w = toWgs(g.lng, g.lat); return L.latLng(w[1], w[0]); }
        })
    });
    window.wanggeGcj02 = {toGcj: toGcj, toWgs: toWgs};
})();
"""
