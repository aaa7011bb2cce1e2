"""A folium map with every element the maps use, served by the app and loaded in headless Chromium:
no console error, no request leaving the machine, every feature drawn, a screenshot kept."""

from __future__ import annotations

import json

import branca
import folium
import psycopg
import pytest
from fastapi.responses import HTMLResponse
from folium import plugins

from tests.browser.harness import LiveServer, PageReport
from web.offline import blank_map, render_html

PATH = "/_test/offline-map"


@pytest.fixture(scope="module")
def demo_layers(browser_database_url: str) -> dict[str, list]:
    """Streets (GeoJSON features) and points of stations, candidates and hotspots ([lat, lon, name])."""
    with psycopg.connect(browser_database_url) as conn:
        streets = [
            {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": json.loads(geometry)}
            for code, name, geometry in conn.execute("SELECT code, name, ST_AsGeoJSON(geom, 6) FROM streets")
        ]

        def points(table: str) -> list[list]:
            rows = conn.execute(f"SELECT ST_Y(geom), ST_X(geom), coalesce(name, code) FROM {table} ORDER BY code")
            return [list(r) for r in rows]

        return {
            "streets": streets,
            "stations": points("stations"),
            "candidates": points("candidates"),
            "hotspots": points("worker_hotspots"),
        }


def offline_test_map(layers: dict[str, list]) -> str:
    """The page: one of each element type the maps use, on a blank background."""
    m = blank_map([36.19, 113.11], zoom_start=12, prefer_canvas=False)
    streets = folium.FeatureGroup(name="街道").add_to(m)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": layers["streets"]},
        name="街道边界",
        style_function=lambda f: {"color": "#555", "weight": 1, "fillOpacity": 0.1},
        tooltip=folium.GeoJsonTooltip(["name"], aliases=["街道"]),
        popup=folium.GeoJsonPopup(["code"], aliases=["代码"]),
    ).add_to(streets)
    stations = folium.FeatureGroup(name="驿站").add_to(m)
    for lat, lon, name in layers["stations"]:
        folium.CircleMarker([lat, lon], radius=5, color="#c0392b", popup=folium.Popup(name), tooltip=name).add_to(
            stations
        )
    cluster = plugins.MarkerCluster(name="候选点").add_to(m)
    for lat, lon, name in layers["candidates"]:
        folium.Marker([lat, lon], tooltip=name).add_to(cluster)
    plugins.FastMarkerCluster([row[:2] for row in layers["hotspots"]], name="聚集点").add_to(m)
    lat, lon, _ = layers["stations"][0]
    folium.Marker([lat, lon], icon=folium.DivIcon(html="<b>驿</b>", icon_size=(20, 20))).add_to(m)
    branca.colormap.LinearColormap(["#fee8c8", "#e34a33"], vmin=0, vmax=100, caption="覆盖率 (%)").add_to(m)
    plugins.Fullscreen(title="全屏", title_cancel="退出全屏").add_to(m)
    folium.LayerControl().add_to(m)
    return render_html(m)


@pytest.fixture(scope="module")
def page(live_server: LiveServer, demo_layers: dict[str, list], open_page) -> PageReport:
    html = offline_test_map(demo_layers)
    live_server.app.add_api_route(PATH, lambda: HTMLResponse(html), methods=["GET"], include_in_schema=False)
    return open_page(PATH, name="offline_test_map")


def test_page_loads_without_errors_or_remote_requests(page: PageReport) -> None:
    page.assert_clean()
    assert page.requests and all(u.startswith("http://127.0.0.1:") or u.startswith("data:") for u in page.requests)
    vendored = {u.split("/static/vendor/", 1)[1] for u in page.requests if "/static/vendor/" in u}
    assert {"leaflet/leaflet.js", "leaflet/leaflet.css", "jquery/jquery.min.js", "d3/d3.min.js"} <= vendored
    assert "leaflet.markercluster/leaflet.markercluster.js" in vendored
    assert "leaflet.fullscreen/Control.FullScreen.js" in vendored


def test_every_feature_is_drawn(page: PageReport, demo_layers: dict[str, list]) -> None:
    stats = page.map_stats()
    assert stats["maps"] == 1 and stats["tile_layers"] == 0  # blank background
    assert len(demo_layers["streets"]) == 10 and len(demo_layers["stations"]) == 81
    assert stats["geojson_features"] == len(demo_layers["streets"])
    assert stats["paths"] == len(demo_layers["streets"]) + len(demo_layers["stations"])
    assert stats["clustered_markers"] == len(demo_layers["candidates"]) + len(demo_layers["hotspots"])
    assert stats["clusters"] > 0 and stats["markers"] >= 1  # the DivIcon marker, and any lone marker


def test_controls_legend_and_popups_work(page: PageReport) -> None:
    assert page.js("return document.querySelectorAll('.leaflet-control-layers-overlays input').length") == 4
    assert page.js("return document.querySelectorAll('.leaflet-control-scale').length") == 1
    assert page.js("return document.querySelectorAll('.leaflet-control-zoom-fullscreen').length") == 1
    assert page.js("return document.querySelectorAll('svg#legend text').length") > 0  # d3 drew the scale
    popup = page.js(
        """
        for (const k of Object.keys(window)) {
          if (!(window[k] instanceof L.Map)) continue;
          let text = null;
          window[k].eachLayer(l => { if (text === null && l instanceof L.CircleMarker && l.getPopup()) {
            l.openPopup(); text = document.querySelector('.leaflet-popup-content').textContent.trim(); } });
          return text;
        }
        """
    )
    assert popup  # folium.Popup parses its HTML with jQuery
    assert not page.console_errors


def test_screenshot_is_kept(page: PageReport) -> None:
    assert page.screenshot.name == "offline_test_map.png"
    data = page.screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
