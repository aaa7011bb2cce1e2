"""Offline maps: every script and style from /static/vendor, basemaps only when configured."""

from __future__ import annotations

import re

import branca
import folium
import pytest
from fastapi.testclient import TestClient
from folium import plugins
from folium.elements import JSCSSMixin

from api.app import create_app
from geo.settings import DatabaseSettings
from web.offline import (
    ASSETS,
    VENDOR_DIR,
    OfflineAssetError,
    assert_offline,
    blank_map,
    local_url,
    make_offline,
    render_html,
)

URL = re.compile(r"(?:https?:)?//[^\s\"'`)<>\\]+")
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.10, 36.18], [113.12, 36.18], [113.12, 36.20], [113.10, 36.20], [113.10, 36.18]]],
}
POINTS = [[36.19, 113.11], [36.191, 113.111], [36.2, 113.1]]


def full_map() -> folium.Map:
    """A map with every element type the maps use."""
    m = blank_map([36.19, 113.11], zoom_start=13)
    group = folium.FeatureGroup(name="网格").add_to(m)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"名称": "甲", "v": 1},
                                                    "geometry": SQUARE}]},
        tooltip=folium.GeoJsonTooltip(["名称"]),
        popup=folium.GeoJsonPopup(["v"]),
    ).add_to(group)
    folium.CircleMarker(POINTS[0], radius=6, popup=folium.Popup("驿站"), tooltip="驿站").add_to(group)
    folium.Marker(POINTS[1], icon=folium.DivIcon(html="<b>1</b>")).add_to(group)
    cluster = plugins.MarkerCluster(name="候选点").add_to(m)
    for point in POINTS:
        folium.Marker(point).add_to(cluster)
    plugins.FastMarkerCluster(POINTS, name="聚集点").add_to(m)
    plugins.Fullscreen().add_to(m)
    branca.colormap.LinearColormap(["#fee8c8", "#e34a33"], vmin=0, vmax=1, caption="覆盖率").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_a_full_map_refers_to_nothing_but_vendored_files() -> None:
    html = render_html(full_map())
    assert URL.findall(html) == []
    sources = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sources and all(s.startswith("/static/vendor/") for s in sources)
    for source in sources:
        assert (VENDOR_DIR / source.removeprefix("/static/vendor/")).is_file()
    assert {"/static/vendor/leaflet/leaflet.js", "/static/vendor/jquery/jquery.min.js",
            "/static/vendor/leaflet.markercluster/leaflet.markercluster.js", "/static/vendor/d3/d3.min.js",
            "/static/vendor/leaflet.fullscreen/Control.FullScreen.js"} <= set(sources)
    assert "bootstrap" not in html and "awesome" not in html.lower() and "fontawesome" not in html
    assert '"maxZoom": 18' in html  # Leaflet.markercluster needs a maximum zoom
    assert "L.tileLayer" not in html  # blank background


def test_other_ways_of_rendering_are_offline_too() -> None:
    m = full_map()
    make_offline(m)
    assert URL.findall(m.get_root().render()) == []
    m2 = folium.Map(tiles=None)  # made offline only after elements were added
    plugins.MarkerCluster().add_to(m2)
    assert URL.findall(render_html(m2)) == []


def test_an_unknown_cdn_url_is_refused() -> None:
    class Plugin(JSCSSMixin):
        default_js = [("new_plugin", "https://cdn.jsdelivr.net/npm/leaflet-new-plugin@1.0.0/plugin.min.js")]

    m = blank_map([36.19, 113.11])
    Plugin().add_to(m)
    with pytest.raises(OfflineAssetError, match="leaflet-new-plugin.*not vendored"):
        render_html(m)
    with pytest.raises(OfflineAssetError, match="not vendored"):
        render_html(plugins.MiniMap().add_to(blank_map([36.19, 113.11]))._parent)
    with pytest.raises(OfflineAssetError, match="not vendored"):
        local_url("https://unpkg.com/leaflet@1.9.4/dist/leaflet.js?v=2".replace("unpkg.com", "example.com"))


def test_local_url_table() -> None:
    assert local_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css") == "/static/vendor/leaflet/leaflet.css"
    assert local_url("https://code.jquery.com/jquery-3.7.1.min.js") == "/static/vendor/jquery/jquery.min.js"
    assert local_url("https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css") is None
    assert local_url("/static/app.css") == "/static/app.css" and local_url("data:,") == "data:,"
    with pytest.raises(OfflineAssetError, match="does not exist"):
        local_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet-src.js")  # in the package, not vendored
    for url, target in ASSETS.items():
        if target is not None and not url.endswith("/"):
            assert (VENDOR_DIR / target).is_file(), url
    for folder in {p for p in VENDOR_DIR.iterdir() if p.is_dir()}:
        assert any("LICEN" in f.name.upper() for f in folder.iterdir()), folder


def test_awesome_marker_icons_are_refused_and_fast_clusters_use_plain_markers() -> None:
    m = blank_map([36.19, 113.11])
    folium.Marker(POINTS[0], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineAssetError, match="folium.DivIcon"):
        render_html(m)
    m = blank_map([36.19, 113.11])
    plugins.FastMarkerCluster(POINTS).add_to(m)
    html = render_html(m)
    assert "AwesomeMarkers" not in html and "L.marker(new L.LatLng(row[0], row[1]))" in html


def test_assert_offline_finds_what_a_browser_would_fetch() -> None:
    assert_offline('<a href="https://www.tianditu.gov.cn/">天地图</a><script src="/static/x.js"></script>')
    assert_offline("L.tileLayer('https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=1')")
    for page in ('<img alt="x" src="https://example.com/a.png">', '<script src="//cdn.example.com/a.js"></script>',
                 '<link rel="stylesheet" href="http://example.com/a.css"/>',
                 "<style>.a { background: url('https://example.com/a.png') }</style>",
                 '<style>@import "https://fonts.example.com/a.css";</style>'):
        with pytest.raises(OfflineAssetError, match="example.com"):
            assert_offline(page)
    assert_offline('<img src="https://example.com/a.png">', allowed_hosts=["example.com"])


def test_the_app_serves_the_vendored_files() -> None:
    app = create_app(DatabaseSettings(url="postgresql://nobody@127.0.0.1:1/none"))
    client = TestClient(app)  # no lifespan: static files need no database
    response = client.get("/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    assert response.content == (VENDOR_DIR / "leaflet" / "leaflet.js").read_bytes()
    assert client.get("/static/vendor/leaflet/images/marker-icon.png").headers["content-type"] == "image/png"
    assert client.get("/static/vendor/nothing.js").status_code == 404
