"""The GCJ-02 display CRS in the browser projects exactly as geo.coords.chinacoords converts."""

from __future__ import annotations

import numpy as np
from fastapi.responses import HTMLResponse

from geo.coords.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from tests.browser.harness import LiveServer
from web import basemaps
from web.map_base import base_map, finish

POINTS = np.array([[113.112355, 36.180603], [113.07, 36.22], [116.397, 39.909], [2.35, 48.85]])  # last: Paris


def test_points_land_where_amap_draws_them(open_page, live_server: LiveServer) -> None:
    @live_server.app.get("/_test/gcj02", response_class=HTMLResponse, include_in_schema=False)
    def gcj02_page() -> HTMLResponse:
        m = base_map((113.07, 36.16, 113.15, 36.22))  # blank: no tiles to fetch; the CRS alone is tested
        basemaps.install_gcj02_crs(m)
        return HTMLResponse(finish(m, {}))

    page = open_page("/_test/gcj02", name="gcj02_crs")
    page.assert_clean()
    got = page.js("""
        var out = [];
        arguments[0].forEach(function (p) {
            var g = window.wanggeGcj02.toGcj(p[0], p[1]);
            var xy = L.CRS.GCJ02.project(L.latLng(p[1], p[0]));
            var expected = L.CRS.EPSG3857.project(L.latLng(g[1], g[0]));
            var back = L.CRS.GCJ02.unproject(xy);
            out.push([g[0], g[1], xy.x - expected.x, xy.y - expected.y, back.lng, back.lat]);
        });
        return out;""", POINTS.tolist())
    got = np.array(got)
    lon, lat = wgs84_to_gcj02(POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(got[:, 0], lon, atol=1e-12)
    np.testing.assert_allclose(got[:, 1], lat, atol=1e-12)
    assert np.abs(got[:, 2:4]).max() < 1e-6  # the CRS projects through GCJ-02
    np.testing.assert_allclose(got[:, 4:6], POINTS, atol=1e-9)  # and back to WGS 84
    assert 0.001 < got[0, 0] - POINTS[0, 0] < 0.01 and got[3, 0] == POINTS[3, 0]  # shifted in China only
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_allclose(np.column_stack([wlon, wlat]), POINTS, atol=1e-9)
