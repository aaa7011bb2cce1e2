"""Optional basemaps: only when configured, Tianditu as is, AMap with the GCJ-02 display CRS."""

from __future__ import annotations

import re

import pytest

from geo.errors import BadRequest
from web import basemaps
from web.map_base import base_map
from web.offline import render_html

HOSTS = re.compile(r"https://([a-z0-9{}.]+)/")
BOUNDS = (113.07, 36.16, 113.15, 36.22)


def test_only_the_blank_background_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANGGE_MAP_TIANDITU_KEY", raising=False)
    monkeypatch.delenv("WANGGE_MAP_AMAP", raising=False)
    assert basemaps.choices() == [("blank", "本地底图（路网、楼栋、区划）")]
    html = render_html(base_map(BOUNDS))
    assert "L.tileLayer" not in html and not HOSTS.findall(html)
    with pytest.raises(BadRequest, match="WANGGE_MAP_TIANDITU_KEY"):
        base_map(BOUNDS, "tianditu")


def test_configured_basemaps_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANGGE_MAP_TIANDITU_KEY", "KEY123")
    monkeypatch.setenv("WANGGE_MAP_AMAP", "true")
    assert [v for v, _ in basemaps.choices()] == ["blank", "tianditu", "amap"]
    tianditu = render_html(base_map(BOUNDS, "tianditu"))
    assert set(HOSTS.findall(tianditu)) == {"t{s}.tianditu.gov.cn"} and "tk=KEY123" in tianditu
    assert "L.CRS.EPSG3857" in tianditu and "L.CRS.GCJ02 =" not in tianditu
    amap = render_html(base_map(BOUNDS, "amap"))
    assert set(HOSTS.findall(amap)) == {"webrd0{s}.is.autonavi.com"}
    assert "crs: L.CRS.GCJ02" in amap and amap.index("L.CRS.GCJ02 =") < amap.index("crs: L.CRS.GCJ02")
    assert "L.tileLayer" not in render_html(base_map(BOUNDS))  # blank stays the default
