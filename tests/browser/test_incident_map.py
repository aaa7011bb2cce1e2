"""The incidents map in Chromium: cluster icons in the legend's colours, and a popup with what a dispatcher
needs (times in Beijing time, department, grid, 五件式 type) and the link to the desk."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import psycopg
import pytest

from geo.incidents import csv_import as incident_import
from geo.incidents.filters import SHANGHAI
from web import palette

ROWS = 800

# The first incident of the clustered layer: shown (zoomed to), its popup opened; the popup's text.
OPEN_POPUP_JS = """
var done = arguments[arguments.length - 1], group = null;
window.wanggeLayerControl._layers.forEach(function (e) { if (e.name === "事件（聚合）") { group = e.layer; } });
var first = group.getLayers()[0];
group.zoomToShowLayer(first, function () {
    first.openPopup();
    setTimeout(function () {
        var box = document.querySelector(".leaflet-popup-content");
        done({text: box ? box.innerText : null, link: box ? box.querySelector("a").getAttribute("href") : null});
    }, 300);
});
"""
CLUSTER_COLOURS_JS = """
var icons = Array.from(document.querySelectorAll(".marker-cluster, .wg-cluster"));
return {wg: icons.filter(function (i) { return i.classList.contains("wg-cluster"); }).length, all: icons.length,
        colours: Array.from(new Set(icons.map(function (i) {
            return getComputedStyle(i.firstElementChild).backgroundColor; })))};
"""


def rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[k:k + 2], 16) for k in (1, 3, 5)))


@pytest.fixture(scope="module")
def incidents(browser_database_url: str, demo_dir: Path) -> tuple[dt.date, dt.date]:
    """The first rows of the demo export (a re-import stores nothing twice); their month in Beijing time."""
    with psycopg.connect(browser_database_url) as conn:
        lines = (demo_dir / "incidents.csv").read_bytes().splitlines(keepends=True)[:ROWS + 1]
        incident_import.import_csv(conn, io.BytesIO(b"".join(lines)), name="incidents.csv", good_rows_only=True)
        conn.commit()
        first = conn.execute("SELECT min(reported_at) FROM incidents").fetchone()[0].astimezone(SHANGHAI).date()
    return first, first + dt.timedelta(days=30)


def test_clusters_in_the_legends_colours_and_popups_that_lead_to_the_desk(open_page, incidents) -> None:
    start, end = incidents
    page = open_page(f"/maps/incidents?start={start}&end={end}", name="maps_incidents_popups")
    page.assert_clean()
    icons = page.js(CLUSTER_COLOURS_JS)
    assert icons["wg"] == icons["all"] > 0  # no markercluster default (green, yellow, orange) icon
    assert set(icons["colours"]) <= {rgb(palette.INCIDENT), rgb(palette.OVERDUE)}
    popup = page.js_async(OPEN_POPUP_JS)
    assert popup["text"] is not None and popup["link"].startswith("/desk/incidents/")
    for label in ("类别：", "状态：", "报告：", "时限：", "部门：", "五件式：", "网格：", "在调度台办理"):
        assert label in popup["text"], label
    reported = popup["text"].split("报告：")[1][:16]
    assert start <= dt.date.fromisoformat(reported[:10]) <= end  # shown in Beijing time, within the window
