"""Every map in headless Chromium: no console error, nothing fetched from another host, the expected
features drawn (counted in the browser, per overlay of the layer control, against the database),
and a screenshot in tests/artifacts/screenshots/."""

from __future__ import annotations

import base64
import datetime as dt
import io
import time
from pathlib import Path

import psycopg
import pytest
from fastapi.responses import HTMLResponse
from PIL import Image

from geo.incidents import csv_import as incident_import
from geo.planning import scenarios
from geo.walking import access, gaps
from geo.walking import store as circle_store
from geo.walking.circles import WalkParams
from tests.api.clients import token
from tests.browser.harness import LiveServer, PageReport

# Features per overlay of the page's layer control, counted by Leaflet itself.
OVERLAY_COUNTS_JS = """
function count(layer) {
    if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) { return layer.getLayers().length; }
    if (layer.eachLayer) { var n = 0; layer.eachLayer(function (l) { n += count(l); }); return n; }
    return 1;
}
var out = {};
window.wanggeLayerControl._layers.forEach(function (e) { if (e.overlay) { out[e.name] = count(e.layer); } });
return out;
"""
INCIDENT_ROWS = 3000


@pytest.fixture(scope="module")
def prepared(browser_database_url: str, demo_dir: Path) -> dict[str, object]:
    """Access, circles, 3,000 incidents of the demo export and one scenario, committed."""
    with psycopg.connect(browser_database_url) as conn:
        access.recompute(conn)
        conn.commit()
        circle_store.recompute(conn, WalkParams(), workers=2)
        lines = (demo_dir / "incidents.csv").read_bytes().splitlines(keepends=True)[:INCIDENT_ROWS + 1]
        incident_import.import_csv(conn, io.BytesIO(b"".join(lines)), name="incidents.csv", good_rows_only=True)
        conn.commit()
        scenario = scenarios.run(conn, scenarios.ScenarioInputs("浏览器测试", kind="全部", k=4))
        conn.commit()
        kinds = dict(conn.execute("SELECT kind, count(*) FROM stations WHERE status = 'existing' GROUP BY 1"))
        grids = conn.execute("SELECT count(*) FROM grids WHERE system = '综合网格'").fetchone()[0]
        # The export's latest (other browser tests add incidents of today: not the demo's year).
        last = conn.execute("SELECT max(reported_at) FROM incidents WHERE request_id LIKE 'REQ%'").fetchone()[0]
    return {"scenario": scenario, "kinds": kinds, "grids": grids, "last": last}


def overlays(page: PageReport) -> dict[str, int]:
    return page.js(OVERLAY_COUNTS_JS)


def test_coverage_map(open_page, prepared) -> None:
    page = open_page("/maps/coverage", name="maps_coverage")
    page.assert_clean()
    drawn = overlays(page)
    assert drawn["网格覆盖率"] == prepared["grids"]
    assert {k: drawn[k] for k in prepared["kinds"]} == prepared["kinds"]
    assert drawn["15分钟步行圈"] == drawn["10分钟步行圈"] == drawn["5分钟步行圈"] == 1
    assert page.map_stats()["tile_layers"] == 0 and page.screenshot.stat().st_size > 10_000
    assert page.js("return document.querySelector('.leaflet-control-scale') !== null")
    assert "图例" in page.js("return document.body.innerText") or "网格覆盖率" in page.js(
        "return document.querySelector('.wg-legend').innerText")


def test_coverage_map_of_a_large_district_loads_grids_by_view(open_page, live_server: LiveServer, prepared) -> None:
    """Above EMBED_MAX_GRIDS the grids come from /maps/data/grids for the visible box (forced here with 0)."""
    from web import map_coverage

    @live_server.app.get("/_test/coverage-by-view", response_class=HTMLResponse, include_in_schema=False)
    def by_view() -> HTMLResponse:
        with live_server.app.state.pool.connection() as conn:
            return HTMLResponse(map_coverage.page(conn, embed_max=0))

    page = open_page("/_test/coverage-by-view", name="maps_coverage_by_view",
                     ready_js="return window.wanggeLoaded >= 1")
    page.assert_clean()
    assert any("/maps/data/grids?" in url and "bbox=" in url for url in page.requests)
    assert overlays(page)["网格覆盖率"] == prepared["grids"]  # the whole district is in view


def test_incident_map(open_page, prepared, browser_database_url: str) -> None:
    end = prepared["last"].astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    start = end - dt.timedelta(days=89)
    page = open_page(f"/maps/incidents?start={start}&end={end}", name="maps_incidents")
    page.assert_clean()
    with psycopg.connect(browser_database_url) as conn:
        expected = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> '办结' AND deadline < now()) FROM incidents "
            "WHERE geom IS NOT NULL AND reported_at >= %s AND reported_at < %s",
            (dt.datetime.combine(start, dt.time(), dt.timezone(dt.timedelta(hours=8))),
             dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone(dt.timedelta(hours=8))))
        ).fetchone()
    drawn = overlays(page)
    assert expected[0] > 100 and drawn["事件（聚合）"] == expected[0] and drawn["超期事件"] == expected[1]
    assert drawn["网格工作量"] == prepared["grids"]
    assert page.map_stats()["clusters"] > 0  # clustered, not 1,000s of single markers


def test_gap_map(open_page, prepared, browser_database_url: str) -> None:
    page = open_page("/maps/gaps", name="maps_gaps")
    page.assert_clean()
    with psycopg.connect(browser_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM gap_runs").fetchone()[0] == 0  # the view stored nothing
        computed = gaps.compute(conn)
        uncovered = conn.execute(  # the uncovered buildings, counted apart from geo.walking.gaps
            "SELECT count(*) FROM buildings b LEFT JOIN building_access a ON a.building_id = b.id "
            "AND a.station_kind = '全部' WHERE b.residents > 0 AND (a.distance_m IS NULL OR a.distance_m > 1000)"
        ).fetchone()[0]
    drawn = overlays(page)
    assert drawn["未覆盖居民（六边形）"] == len(computed.cells) > 0
    assert drawn["未覆盖楼栋"] == len(computed.rows) == uncovered


def test_siting_map(open_page, prepared) -> None:
    page = open_page(f"/maps/siting/{prepared['scenario']}", name="maps_siting")
    page.assert_clean()
    drawn = overlays(page)
    assert drawn["建议新站"] == 4 and drawn["新站步行圈（完整）"] == 4 and drawn["新增覆盖范围"] == 1
    assert "方案后" in page.js("return document.body.innerText")


def test_front_page_links_every_map(open_page, prepared) -> None:
    page = open_page("/", name="front_page", ready_js="return document.readyState === 'complete'")
    page.assert_clean()
    links = page.js("return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert {"/maps/coverage", "/maps/incidents", "/maps/gaps", "/maps/siting",
            f"/maps/siting/{prepared['scenario']}"} <= set(links)


@pytest.mark.parametrize(("path", "ready"), [
    ("/docs", "return document.querySelectorAll('.opblock').length > 20"),
    ("/redoc", "return document.querySelectorAll('[data-section-id]').length > 20"),
])
def test_api_docs_render_offline(open_page, path: str, ready: str) -> None:
    page = open_page(path, name=f"api_docs_{path.strip('/')}", ready_js=ready)
    page.assert_clean()
    assert page.js("return document.documentElement.lang") == "zh-CN"
    assert "接口文档" in page.js("return document.title")


def test_every_page_has_a_title_and_a_language(open_page, prepared) -> None:
    for path in ("/", "/login", "/maps/coverage", "/maps/incidents", "/maps/gaps", "/maps/siting",
                 f"/maps/siting/{prepared['scenario']}"):
        page = open_page(path, name=None, ready_js="return document.readyState === 'complete'")
        assert page.js("return document.documentElement.lang") == "zh-CN", path
        assert page.js("return document.title").strip(), path


# Tiles the page has fetched, by layer and HTTP status (Resource Timing).
TILES_FETCHED_JS = """
const out = {};
performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/')).forEach(e => {
  const layer = e.name.split('/tiles/')[1].split('/')[0];
  out[layer] = out[layer] || [];
  out[layer].push(e.responseStatus);
});
return out;
"""
MAP_VAR_JS = "return Object.keys(window).find(k => { try { return window[k] instanceof L.Map; } catch (e) { return false; } });"


def test_own_basemap_draws_streets_buildings_and_names_offline(open_page, prepared, browser_database_url: str) -> None:
    with psycopg.connect(browser_database_url) as conn:
        lon, lat = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM communities "
                                "ORDER BY code LIMIT 1) AS c").fetchone()
    page = open_page("/maps/coverage", name="maps_coverage_basemap")
    name = page.js(MAP_VAR_JS)
    page.js("performance.setResourceTimingBufferSize(10000); performance.clearResourceTimings();")
    page.js(f"window['{name}'].eachLayer(l => {{ if (l.feature || l instanceof L.Path) {{ l.remove(); }} }});"
            f"window['{name}'].setView([{lat}, {lon}], 16, {{animate: false}});")
    deadline = time.monotonic() + 20
    wanted = {"buildings", "barriers", "streets", "grids", "communities", "streets_admin", "districts"}
    while time.monotonic() < deadline and not wanted <= set(page.js(TILES_FETCHED_JS)):
        time.sleep(0.2)
    time.sleep(1.0)  # let the canvases draw
    fetched = page.js(TILES_FETCHED_JS)
    assert wanted <= set(fetched), fetched
    assert all(status == 200 for statuses in fetched.values() for status in statuses), fetched
    drawn = page.js("return Array.from(document.querySelectorAll('canvas.leaflet-tile')).filter(c => {"
                    "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                    "for (let i = 3; i < d.length; i += 4) { if (d[i]) return true; } return false; }).length")
    assert drawn >= 10
    assert page.retake("maps_basemap_z16").stat().st_size > 20_000
    assert not [u for u in page.js("return performance.getEntriesByType('resource').map(e => e.name)")
                if not u.startswith("http://127.0.0.1")]


@pytest.mark.parametrize("path", ["/maps/coverage", "/maps/gaps"])
def test_a_click_draws_the_walking_rings_with_the_apis_figures(open_page, prepared, path: str) -> None:
    page = open_page(path, name=f"walk_area_{path.split('/')[-1]}")
    page.js("window.wanggeWalkAreaLast = null;")
    page.click(".folium-map", 40, 30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not page.js("return window.wanggeWalkAreaLast"):
        time.sleep(0.1)
    shown = page.js("return window.wanggeWalkAreaLast")
    assert shown and [f["properties"]["minutes"] for f in shown["features"]] == [15, 10, 5]
    start = shown["start"]
    fresh = page.js_async("const done = arguments[arguments.length - 1];"
                    f"fetch('/walk/area?lon={start['lon']}&lat={start['lat']}&minutes=5,10,15').then(r => r.json()).then(done);")
    assert [f["properties"] for f in fresh["features"]] == [f["properties"] for f in shown["features"]]
    table = page.js("return Array.from(document.querySelectorAll('.wg-walk-table tr')).slice(1).map(r => r.innerText)")
    residents = [f["properties"]["residents"] for f in reversed(shown["features"])]
    assert [int(row.split("\t")[1].replace(",", "").split()[0]) for row in table] == residents
    page.retake(f"walk_area_{path.split('/')[-1]}_clicked")


def _sign_in(open_page, role: str) -> None:
    login = open_page("/login?next=/", name="login", ready_js="return !!document.forms[0]")
    login.js("const f = document.forms[0]; f.username.value = arguments[0]; f.password.value = arguments[1]; "
             "f.submit();", token(role), f"{token(role)}-password")
    deadline = time.monotonic() + 10
    while "/login" in login.js("return location.pathname") and time.monotonic() < deadline:
        time.sleep(0.05)


def _whatif_shown(page, previous: object = None) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = page.js("return window.wanggeWhatIfLast")
        if shown and shown != previous:
            return shown
        time.sleep(0.1)
    raise AssertionError(page.js("return document.querySelector('.wg-whatif-out').innerText"))


def test_a_planner_drops_and_drags_a_station_and_sees_what_the_api_says(open_page, prepared) -> None:
    _sign_in(open_page, "planner")
    try:
        page = open_page("/maps/coverage", name="whatif_coverage")
        page.click(".wg-whatif-drop")
        page.click(".folium-map", 60, 40)
        dropped = _whatif_shown(page)
        page.drag(".leaflet-marker-icon", 80, 60)
        dragged = _whatif_shown(page, dropped)
        assert dragged["request"]["add"][0] != dropped["request"]["add"][0]
        for shown in (dropped, dragged):
            again = page.js_async(
                "const done = arguments[arguments.length - 1];"
                "fetch('/walk/whatif', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': "
                "document.querySelector('meta[name=\"csrf-token\"]').content}, body: JSON.stringify(arguments[0])})"
                ".then(r => r.json()).then(done);", shown["request"])
            assert {k: again[k] for k in ("before", "after", "newly_covered", "newly_lost")} == \
                {k: shown["answer"][k] for k in ("before", "after", "newly_covered", "newly_lost")}
        gained = page.js("return document.querySelector('.wg-whatif-gained').innerText")
        assert int(gained.replace(",", "")) == dragged["answer"]["newly_covered"]
        assert not page.js("return window.wanggeWalkAreaLast")  # placing a station is not a walk-area click
        page.retake("whatif_coverage_dragged")
    finally:
        _sign_in(open_page, "viewer")


VISIBLE_JS = """
return Object.fromEntries(arguments[0].map(css => [css, Array.from(document.querySelectorAll(css)).some(
    e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0)]));
"""


def test_print_view_has_title_date_legend_scale_north_and_no_controls(open_page, prepared) -> None:
    page = open_page("/maps/coverage", name="maps_coverage_screen")
    driver = page._driver
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = page.js(VISIBLE_JS, [".leaflet-control-zoom", ".leaflet-control-layers", ".wg-form", ".wg-walk",
                                     ".wg-whatif", ".wg-legend", ".leaflet-control-scale", ".wg-north",
                                     ".wg-print-only"])
        assert not any(shown[c] for c in (".leaflet-control-zoom", ".leaflet-control-layers", ".wg-form", ".wg-walk",
                                          ".wg-whatif")), shown
        assert all(shown[c] for c in (".wg-legend", ".leaflet-control-scale", ".wg-north", ".wg-print-only")), shown
        header = page.js("return document.querySelector('.wg-print-only').innerText")
        assert "驿站15分钟步行覆盖" in header and "制图日期" in header and "数据来源" in header
        page.retake("maps_coverage_print")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_png_export_is_the_print_layout_of_the_current_view(open_page, prepared) -> None:
    page = open_page("/maps/coverage", name=None)
    # the download itself is the browser's business: the link clicked is recorded instead
    page.js("HTMLAnchorElement.prototype.click = function () { window.wanggeDownloaded = this.download; };")
    page.js("document.body.dataset.sawExporting = ''; new MutationObserver(() => {"
            "  if (document.body.classList.contains('wg-exporting')) {"
            "    const hidden = ['.leaflet-control-zoom', '.leaflet-control-layers', '.wg-form', '.wg-png'].every("
            "      css => Array.from(document.querySelectorAll(css)).every(e => getComputedStyle(e).display === 'none'));"
            "    document.body.dataset.sawExporting = hidden && getComputedStyle(document.querySelector('.wg-north'))"
            "      .display !== 'none' ? 'clean' : 'controls shown';"
            "  }}).observe(document.body, {attributeFilter: ['class']});")
    page.click(".wg-png")
    deadline = time.monotonic() + 60
    while not page.js("return window.wanggeLastPng || null") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert page.js("return window.wanggeLastPng || null"), "no PNG made"
    assert page.js("return window.wanggeDownloaded").startswith("驿站15分钟步行覆盖-")
    url = page.js_async("const done = arguments[arguments.length - 1]; fetch(window.wanggeLastPng).then(r => r.blob())"
                        ".then(b => { const f = new FileReader(); f.onload = () => done(f.result); f.readAsDataURL(b); });")
    assert url.startswith("data:image/png;base64,")
    assert page.js("return document.body.dataset.sawExporting") == "clean"
    assert not page.js("return document.body.classList.contains('wg-exporting')")
    page.assert_clean()
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.size == tuple(page.js("return [window.innerWidth, window.innerHeight]"))
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # the map, not a blank sheet
    out = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots" / "maps_coverage_export.png"
    image.save(out)


def test_on_a_phone_the_panels_start_folded_and_unfold(open_page, prepared) -> None:
    driver = open_page("/", name="front_page_wide", ready_js="return document.readyState === 'complete'")._driver
    size = driver.get_window_size()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 740, "deviceScaleFactor": 1,
                                                                 "mobile": True})
    try:
        page = open_page("/maps/coverage", name="maps_coverage_phone")
        assert page.js("return Array.from(document.querySelectorAll('.wg-panel, .wg-legend, .wg-walk, .wg-whatif'))"
                       ".every(b => b.classList.contains('wg-folded'))")
        assert not page.js("return document.querySelector('.leaflet-control-layers')"
                           ".classList.contains('leaflet-control-layers-expanded')")
        assert page.js("return getComputedStyle(document.querySelector('.wg-panel table')).display") == "none"
        page.click(".wg-panel .wg-fold")
        assert page.js("return getComputedStyle(document.querySelector('.wg-panel table')).display") != "none"
        page.retake("maps_coverage_phone_unfolded")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(size["width"], size["height"])


STATION_POINT_JS = """
const map = window[Object.keys(window).find(k => { try { return window[k] instanceof L.Map; } catch (e) { return false; } })];
const found = [];
map.eachLayer(l => { if (l instanceof L.CircleMarker && l.feature && l.feature.properties.code) found.push(l); });
const size = map.getSize();
const inside = found.map(l => [l, map.latLngToContainerPoint(l.getLatLng())])
  .filter(([l, p]) => p.x > size.x * 0.35 && p.x < size.x * 0.65 && p.y > size.y * 0.35 && p.y < size.y * 0.65);
const [layer, point] = inside[arguments[0]];
return {code: layer.feature.properties.code, dx: Math.round(point.x - size.x / 2), dy: Math.round(point.y - size.y / 2)};
"""


def test_a_planner_moves_and_removes_existing_stations_on_the_map(open_page, prepared) -> None:
    _sign_in(open_page, "planner")
    try:
        page = open_page("/maps/coverage", name="whatif_existing")
        gone = page.js(STATION_POINT_JS, 0)
        page.click(".wg-whatif-remove")
        page.click(".folium-map", gone["dx"], gone["dy"])
        removed = _whatif_shown(page)
        assert removed["request"]["remove"] == [gone["code"]] and removed["answer"]["stations_after"] == \
            removed["answer"]["stations_before"] - 1
        moving = page.js(STATION_POINT_JS, 1)
        page.click(".wg-whatif-move")
        page.click(".folium-map", moving["dx"], moving["dy"])
        picked = _whatif_shown(page, removed)
        page.drag(".leaflet-marker-icon", 120, -90)
        moved = _whatif_shown(page, picked)
        assert [m["code"] for m in moved["request"]["move"]] == [moving["code"]]
        assert moved["request"]["move"] != picked["request"]["move"] and moved["request"]["remove"] == [gone["code"]]
        again = page.js_async(
            "const done = arguments[arguments.length - 1];"
            "fetch('/walk/whatif', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': "
            "document.querySelector('meta[name=\"csrf-token\"]').content}, body: JSON.stringify(arguments[0])})"
            ".then(r => r.json()).then(done);", moved["request"])
        assert again["after"] == moved["answer"]["after"] and again["newly_lost"] == moved["answer"]["newly_lost"]
        page.retake("whatif_existing_moved")
    finally:
        _sign_in(open_page, "viewer")


def test_a_planner_starts_a_scenario_from_the_form_and_lands_on_its_map(open_page, prepared,
                                                                        browser_database_url: str) -> None:
    _sign_in(open_page, "planner")
    try:
        page = open_page("/maps/siting", name="siting_form", ready_js="return document.readyState === 'complete'")
        page.assert_clean()
        page.js("const f = document.getElementById('siting-form'); f.name.value = '表单方案'; f.kind.value = '全部';"
                "f.k.value = '3'; f.force_in.value = 'C0002'; f.at.value = '22:00';"
                "f.querySelector('button[type=submit]').click();")
        deadline = time.monotonic() + 120
        while "/maps/siting/" not in page.js("return location.pathname") and time.monotonic() < deadline:
            time.sleep(0.2)
        path = page.js("return location.pathname")
        assert path.startswith("/maps/siting/"), page.js("return document.getElementById('job-status').innerText")
        scenario_id = int(path.rsplit("/", 1)[1])
        deadline = time.monotonic() + 30
        while not page.js("return !!window.wanggeLayerControl") and time.monotonic() < deadline:
            time.sleep(0.1)
        with psycopg.connect(browser_database_url) as conn:
            stored = scenarios.read(conn, scenario_id)
        assert stored["name"] == "表单方案" and stored["inputs"]["at"] == "22:00" and stored["sites"] == 3
        assert stored["sites_chosen"][0]["code"] == "C0002"
        drawn = overlays(page)
        assert drawn["建议新站"] == 3 and drawn["新增覆盖范围"] == 1
        text = page.js("return document.body.innerText")
        assert "表单方案" in text and "必选站址1处" in text
        page.retake("siting_form_result")
    finally:
        _sign_in(open_page, "viewer")



def test_a_planner_drags_a_scenarios_site_and_saves_the_result_as_a_scenario(open_page, prepared,
                                                                            browser_database_url: str) -> None:
    with psycopg.connect(browser_database_url) as conn:
        scenario = scenarios.read(conn, prepared["scenario"])
    _sign_in(open_page, "planner")
    try:
        page = open_page(f"/maps/siting/{prepared['scenario']}", name="siting_whatif")
        page.assert_clean()
        page.click(".wg-whatif-sites")
        taken = _whatif_shown(page)
        assert len(taken["request"]["add"]) == scenario["sites"] == 4
        # the scenario's own figures, recomputed by the what-if from its sites
        assert taken["answer"]["after"]["covered"] == scenario["covered_after"]
        assert taken["answer"]["before"]["covered"] == scenario["covered_before"]
        # the static sites gave way to the draggable ones
        assert page.js("return !window.wanggeLayerControl._layers.find(e => e.name === '建议新站').layer._map")
        page.drag(".leaflet-marker-icon .wg-site", 60, 40)
        dragged = _whatif_shown(page, taken)
        assert dragged["request"]["add"] != taken["request"]["add"]
        page.js("document.querySelector('.wg-whatif-name').value = '拖动后的方案';"
                "document.querySelector('.wg-whatif-save').click();")
        deadline = time.monotonic() + 60
        while not page.js("return window.wanggeWhatIfSaved || null") and time.monotonic() < deadline:
            time.sleep(0.2)
        saved = page.js("return window.wanggeWhatIfSaved")
        with psycopg.connect(browser_database_url) as conn:
            kept = scenarios.read(conn, saved["id"])
        assert kept["name"] == "拖动后的方案" and kept["method"] == "manual" and kept["sites"] == 4
        assert kept["covered_after"] == dragged["answer"]["after"]["covered"]
        assert "方案" in page.js("return document.querySelector('.wg-whatif-saved').innerText")
        page.retake("siting_whatif_saved")
    finally:
        _sign_in(open_page, "viewer")
